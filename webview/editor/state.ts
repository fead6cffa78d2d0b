/** The profile view's UI state (sort, filters, grouping, selection, scroll, target), kept with getState/setState. */
import type { Host } from '../vscodeApi';

export type SortDir = 'ascending' | 'descending';
export type GroupBy = 'none' | 'module' | 'opType';

export interface EditorState {
  sortCol: string;
  sortDir: SortDir;
  filter: string;
  opType: string;
  status: string;
  groupBy: GroupBy;
  /** Collapsed group keys (`o:` + op label, `m:` + module path). */
  collapsed: string[];
  selectedNode: number | null;
  detailOpen: boolean;
  scrollTop: number;
  /** The target whose times the table, the time chart and the roofline show. */
  target: string;
}

/** The state, read back (every field checked), and the one way to change it (which also saves it). */
export class EditorStore {
  readonly ui: Readonly<EditorState>;

  constructor(private readonly host: Host<EditorState>) {
    const saved = host.getState();
    this.ui = {
      sortCol: typeof saved.sortCol === 'string' ? saved.sortCol : 'idx',
      sortDir: saved.sortDir === 'descending' ? 'descending' : 'ascending',
      filter: typeof saved.filter === 'string' ? saved.filter : '',
      opType: typeof saved.opType === 'string' ? saved.opType : '',
      status: typeof saved.status === 'string' ? saved.status : '',
      groupBy: saved.groupBy === 'module' || saved.groupBy === 'opType' ? saved.groupBy : 'none',
      collapsed: Array.isArray(saved.collapsed) ? saved.collapsed.filter((x): x is string => typeof x === 'string') : [],
      selectedNode: typeof saved.selectedNode === 'number' ? saved.selectedNode : null,
      detailOpen: saved.detailOpen === true,
      scrollTop: typeof saved.scrollTop === 'number' ? saved.scrollTop : 0,
      target: typeof saved.target === 'string' ? saved.target : '',
    };
  }

  persist(patch: Partial<EditorState>): void {
    Object.assign(this.ui, patch);
    this.host.patchState(patch);
  }
}
