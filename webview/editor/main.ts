/**
 * The profile editor view: summary cards, symbolic-dim binding, charts (FLOPs by op type, time per layer,
 * roofline), the virtualised per-layer grid (sort, filter, group by module tree or op type) and a detail
 * pane. Talks to the host only through src/protocol/messages.ts; every host message is validated.
 */
import type { NodeReport, ProfileReport } from '../../src/core/report/reportTypes';
import type { ReportMessage, ViewSettings } from '../../src/protocol/messages';
import { formatSeconds, formatShape } from '../../src/core/report/units';
import {
  VirtualGrid,
  barChart,
  button,
  dropdown,
  h,
  rooflineChart,
  rowBadge,
  setDisabled,
  statusLine,
  textField,
  type DropdownHandle,
  type FieldHandle,
  type GridColumn,
} from '../components';
import { bytes, exact, formatScaled, num } from '../common/format';
import { normalizeEstimates, type EstimatesView, type NodeTimeView } from '../common/estimates';
import { normalizeHints, type HintView } from '../common/hints';
import { createHost } from '../vscodeApi';

//#region state
type SortDir = 'ascending' | 'descending';
type GroupBy = 'none' | 'module' | 'opType';

interface EditorState {
  sortCol: string;
  sortDir: SortDir;
  filter: string;
  opType: string;
  status: string;
  groupBy: GroupBy;
  collapsed: string[];
  selectedNode: number | null;
  detailOpen: boolean;
  scrollTop: number;
  target: string;
}

const host = createHost<EditorState>('profile-editor');
const saved = host.getState();
const ui: EditorState = {
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
const persist = (patch: Partial<EditorState>) => {
  Object.assign(ui, patch);
  host.patchState(patch);
};

interface Model {
  report: ProfileReport;
  settings: ViewSettings;
  estimates: EstimatesView | null;
  hintsByNode: Map<number, HintView[]>;
  /** node.index → position in report.nodes */
  posByIndex: Map<number, number>;
  search: string[];
  shapes: string[];
}
let model: Model | null = null;
let binding = false;
//#endregion

//#region skeleton
const root = document.getElementById('app') ?? document.body.appendChild(h('div', { id: 'app' }));
root.classList.add('profile-editor');

const { el: statusBar, show: showStatus } = statusLine();
const errorBar = h('div', { class: 'error-bar', role: 'alert', 'data-testid': 'error', hidden: true });
const headerEl = h('header', { class: 'view-header' });
const bindSection = h('section', { class: 'bind-section', 'aria-label': 'Symbolic dimensions', hidden: true });
const summaryEl = h('section', { class: 'summary-cards', 'aria-label': 'Model summary' });
const chartsEl = h('section', { class: 'charts', 'aria-label': 'Charts' });
const tableSection = h('section', { class: 'table-section', 'aria-label': 'Layers' });
const emptyEl = h('div', { class: 'empty-state' }, 'Waiting for the profile…');
root.replaceChildren(headerEl, statusBar, errorBar, emptyEl, bindSection, summaryEl, chartsEl, tableSection);

function showError(message: string | null): void {
  errorBar.hidden = message === null;
  errorBar.textContent = message ?? '';
}
//#endregion

//#region table model
interface NodeItem {
  readonly kind: 'node';
  readonly pos: number;
  readonly level: number;
}
interface GroupItem {
  readonly kind: 'group';
  readonly key: string;
  readonly label: string;
  readonly level: number;
  readonly expanded: boolean;
  readonly agg: Agg;
}
type Item = NodeItem | GroupItem;

interface Agg {
  count: number;
  minIdx: number;
  flops: number;
  macs: number;
  params: number;
  weights: number;
  bytes: number;
  time: number;
}
const newAgg = (): Agg => ({ count: 0, minIdx: Infinity, flops: 0, macs: 0, params: 0, weights: 0, bytes: 0, time: 0 });

const COLUMNS: readonly GridColumn[] = [
  { id: 'idx', label: '#', width: 64, align: 'right' },
  { id: 'name', label: 'Name', width: 280 },
  { id: 'op', label: 'Op type', width: 130 },
  { id: 'scope', label: 'Module', width: 200 },
  { id: 'status', label: 'Status', width: 100 },
  { id: 'flops', label: 'FLOPs', width: 92, align: 'right' },
  { id: 'macs', label: 'MACs', width: 92, align: 'right' },
  { id: 'params', label: 'Params', width: 92, align: 'right' },
  { id: 'weights', label: 'Weights', width: 92, align: 'right', title: 'Weight bytes' },
  { id: 'bytes', label: 'Bytes R+W', width: 96, align: 'right', title: 'Bytes read + written' },
  { id: 'ai', label: 'FLOP/B', width: 76, align: 'right', title: 'Arithmetic intensity' },
  { id: 'time', label: 'Time', width: 86, align: 'right', title: 'Estimated time on the selected target' },
  { id: 'shapes', label: 'Output shapes', width: 260 },
  { id: 'hints', label: 'Hints', width: 70 },
];
const NUMERIC = new Set(['idx', 'flops', 'macs', 'params', 'weights', 'bytes', 'ai', 'time', 'hints']);
const ROW_HEIGHT = 24;

let items: Item[] = [];
let itemByNode = new Map<number, number>();

/** The op type as the view shows it: custom domains qualify it ("com.microsoft::FusedConv"). */
function opLabel(x: { domain: string; opType: string }): string {
  return x.domain ? `${x.domain}::${x.opType}` : x.opType;
}

/** The module path of a node, one segment per level of the module tree. */
function moduleSegments(n: NodeReport): string[] {
  const segs = n.scope ? n.scope.split('/').filter((x) => x.length > 0) : [];
  return segs.length ? segs : ['(no module)'];
}

// Group keys (persisted in ui.collapsed): 'o:' + op label, or 'm:' + the module path ('/a/b').
const opGroupKey = (label: string) => `o:${label}`;
const moduleGroupKey = (path: string) => `m:${path}`;

function nodeTime(n: NodeReport): NodeTimeView | undefined {
  return model?.estimates?.nodeTimes.get(currentTarget())?.get(n.index);
}

function numericKey(col: string, n: NodeReport): number {
  switch (col) {
    case 'idx':
      return n.index;
    case 'flops':
      return num(n.flops);
    case 'macs':
      return num(n.macs);
    case 'params':
      return num(n.params);
    case 'weights':
      return num(n.weightBytes);
    case 'bytes':
      return num(n.bytesRead) + num(n.bytesWritten);
    case 'ai':
      return n.arithmeticIntensity ?? -1;
    case 'time':
      return nodeTime(n)?.seconds ?? -1;
    case 'hints':
      return model?.hintsByNode.get(n.index)?.length ?? 0;
    default:
      return 0;
  }
}

function stringKey(col: string, n: NodeReport, pos: number): string {
  switch (col) {
    case 'name':
      return n.name;
    case 'op':
      return n.opType;
    case 'scope':
      return n.scope;
    case 'status':
      return n.status;
    case 'shapes':
      return model?.shapes[pos] ?? '';
    default:
      return '';
  }
}

function aggKey(col: string, a: Agg, label: string): number | string {
  switch (col) {
    case 'idx':
      return a.minIdx;
    case 'flops':
      return a.flops;
    case 'macs':
      return a.macs;
    case 'params':
      return a.params;
    case 'weights':
      return a.weights;
    case 'bytes':
      return a.bytes;
    case 'time':
      return a.time;
    case 'ai':
      return a.bytes > 0 ? a.flops / a.bytes : -1;
    case 'hints':
    case 'status':
      return a.count;
    default:
      return label;
  }
}

function addToAgg(a: Agg, n: NodeReport): void {
  a.count++;
  a.minIdx = Math.min(a.minIdx, n.index);
  a.flops += num(n.flops);
  a.macs += num(n.macs);
  a.params += num(n.params);
  a.weights += num(n.weightBytes);
  a.bytes += num(n.bytesRead) + num(n.bytesWritten);
  a.time += nodeTime(n)?.seconds ?? 0;
}

/** Positions (in report.nodes) of the nodes that pass the text, op type and status filters. */
function filteredPositions(m: Model): number[] {
  const nodes = m.report.nodes;
  const q = ui.filter.trim().toLowerCase();
  const positions: number[] = [];
  for (let p = 0; p < nodes.length; p++) {
    const n = nodes[p];
    if (ui.opType && n.opType !== ui.opType) continue;
    if (ui.status && n.status !== ui.status) continue;
    if (q && !m.search[p].includes(q)) continue;
    positions.push(p);
  }
  return positions;
}

/** Sorts positions in place by the sort column; ties keep node order. Keys are computed once per node. */
function sortPositions(nodes: readonly NodeReport[], positions: number[], col: string, dir: number): void {
  if (NUMERIC.has(col)) {
    const keys = new Float64Array(nodes.length);
    for (const p of positions) keys[p] = numericKey(col, nodes[p]);
    positions.sort((a, b) => (keys[a] - keys[b]) * dir || nodes[a].index - nodes[b].index);
  } else {
    const keys: string[] = new Array(nodes.length);
    for (const p of positions) keys[p] = stringKey(col, nodes[p], p).toLowerCase();
    positions.sort((a, b) => (keys[a] < keys[b] ? -dir : keys[a] > keys[b] ? dir : nodes[a].index - nodes[b].index));
  }
}

interface Group {
  label: string;
  agg: Agg;
  /** Positions of the nodes directly in this group, already sorted. */
  pos: number[];
}

function groupsByOpType(nodes: readonly NodeReport[], positions: readonly number[]): Group[] {
  const groups = new Map<string, Group>();
  for (const p of positions) {
    const n = nodes[p];
    const label = opLabel(n);
    let g = groups.get(label);
    if (!g) groups.set(label, (g = { label, agg: newAgg(), pos: [] }));
    g.pos.push(p);
    addToAgg(g.agg, n);
  }
  return [...groups.values()];
}

interface ModuleTree extends Group {
  path: string;
  children: Map<string, ModuleTree>;
}

function moduleTree(nodes: readonly NodeReport[], positions: readonly number[]): ModuleTree {
  const mk = (label: string, path: string): ModuleTree => ({ label, path, agg: newAgg(), children: new Map(), pos: [] });
  const treeRoot = mk('', '');
  for (const p of positions) {
    const n = nodes[p];
    let t = treeRoot;
    addToAgg(t.agg, n);
    for (const seg of moduleSegments(n)) {
      let c = t.children.get(seg);
      if (!c) t.children.set(seg, (c = mk(seg, `${t.path}/${seg}`)));
      t = c;
      addToAgg(t.agg, n);
    }
    t.pos.push(p);
  }
  return treeRoot;
}

/** Filter, sort and group the nodes into the flat item list the grid shows. */
function rebuildItems(): void {
  if (!model) return;
  const nodes = model.report.nodes;
  const positions = filteredPositions(model);
  const col = ui.sortCol;
  const dir = ui.sortDir === 'ascending' ? 1 : -1;
  sortPositions(nodes, positions, col, dir);
  const collapsed = new Set(ui.collapsed);
  const out: Item[] = [];
  const cmpGroups = (a: Group, b: Group) => {
    const ka = aggKey(col, a.agg, a.label);
    const kb = aggKey(col, b.agg, b.label);
    if (typeof ka === 'number' && typeof kb === 'number') return (ka - kb) * dir || a.agg.minIdx - b.agg.minIdx;
    const sa = String(ka).toLowerCase();
    const sb = String(kb).toLowerCase();
    return sa < sb ? -dir : sa > sb ? dir : 0;
  };
  if (ui.groupBy === 'none') {
    for (const p of positions) out.push({ kind: 'node', pos: p, level: 0 });
  } else if (ui.groupBy === 'opType') {
    for (const g of groupsByOpType(nodes, positions).sort(cmpGroups)) {
      const key = opGroupKey(g.label);
      const expanded = !collapsed.has(key);
      out.push({ kind: 'group', key, label: g.label, level: 0, expanded, agg: g.agg });
      if (expanded) for (const p of g.pos) out.push({ kind: 'node', pos: p, level: 1 });
    }
  } else {
    const walk = (t: ModuleTree, level: number) => {
      for (const c of [...t.children.values()].sort(cmpGroups)) {
        const key = moduleGroupKey(c.path);
        const expanded = !collapsed.has(key);
        out.push({ kind: 'group', key, label: c.label, level, expanded, agg: c.agg });
        if (!expanded) continue;
        walk(c, level + 1);
        for (const p of c.pos) out.push({ kind: 'node', pos: p, level: level + 1 });
      }
    };
    walk(moduleTree(nodes, positions), 0);
  }
  items = out;
  itemByNode = new Map();
  out.forEach((it, i) => {
    if (it.kind === 'node') itemByNode.set(nodes[it.pos].index, i);
  });
}
//#endregion

//#region grid
const grid = new VirtualGrid({
  columns: COLUMNS,
  rowHeight: ROW_HEIGHT,
  ariaLabel: 'Layers',
  testId: 'node-table',
  renderRow,
  onSelect: (i) => {
    const it = items[i];
    if (it?.kind === 'node' && model) {
      persist({ selectedNode: model.report.nodes[it.pos].index });
      if (ui.detailOpen) renderDetail();
    }
  },
  onActivate: (i) => activate(i),
  onSort: (col) => {
    if (ui.sortCol === col) persist({ sortDir: ui.sortDir === 'ascending' ? 'descending' : 'ascending' });
    else persist({ sortCol: col, sortDir: NUMERIC.has(col) && col !== 'idx' ? 'descending' : 'ascending' });
    refreshTable(true);
  },
  onKey: (i, key) => {
    const it = items[i];
    if (key === 'Escape' && ui.detailOpen) {
      closeDetail();
      return true;
    }
    if (it?.kind !== 'group') return false;
    if ((key === 'ArrowRight' && !it.expanded) || (key === 'ArrowLeft' && it.expanded)) {
      toggleGroup(it.key);
      return true;
    }
    return false;
  },
});
let scrollSaveTimer: number | undefined;
grid.el.addEventListener('scroll', () => {
  window.clearTimeout(scrollSaveTimer);
  scrollSaveTimer = window.setTimeout(() => persist({ scrollTop: grid.scrollTop }), 150);
});

function cell(col: GridColumn, colIndex: number, text: string, title?: string, value?: string): HTMLElement {
  const c = h('div', { class: `vgrid-cell align-${col.align ?? 'left'} col-${col.id}`, role: 'gridcell', 'aria-colindex': colIndex + 1, 'data-col': col.id, title: title ?? text });
  c.textContent = text;
  if (value !== undefined) c.dataset.value = value;
  return c;
}

function renderRow(i: number, row: HTMLElement): void {
  const it = items[i];
  if (!it || !model) return;
  if (it.kind === 'group') renderGroupRow(it, row, model);
  else renderNodeRow(it, row, model);
}

function renderGroupRow(it: GroupItem, row: HTMLElement, m: Model): void {
  const binary = m.settings.memoryUnit === 'binary';
  row.classList.add('group-row');
  row.setAttribute('aria-expanded', String(it.expanded));
  row.setAttribute('aria-level', String(it.level + 1));
  row.dataset.testid = 'group-row';
  row.dataset.groupKey = it.key;
  const a = it.agg;
  COLUMNS.forEach((col, ci) => {
    let c: HTMLElement;
    switch (col.id) {
      case 'name': {
        c = cell(col, ci, '', `${it.label} (${a.count} layers)`);
        c.style.paddingLeft = `${6 + it.level * 14}px`;
        c.append(h('span', { class: 'twisty', 'aria-hidden': 'true' }, it.expanded ? '▾' : '▸'), h('span', { class: 'group-label' }, it.label), h('span', { class: 'group-count' }, ` (${a.count})`));
        break;
      }
      case 'flops':
        c = cell(col, ci, formatScaled(a.flops, ''), exact(a.flops));
        break;
      case 'macs':
        c = cell(col, ci, formatScaled(a.macs, ''), exact(a.macs));
        break;
      case 'params':
        c = cell(col, ci, formatScaled(a.params, ''), exact(a.params));
        break;
      case 'weights':
        c = cell(col, ci, bytes(a.weights, binary));
        break;
      case 'bytes':
        c = cell(col, ci, bytes(a.bytes, binary));
        break;
      case 'time':
        c = cell(col, ci, a.time > 0 ? formatSeconds(a.time) : '');
        break;
      default:
        c = cell(col, ci, '');
    }
    row.append(c);
  });
}

function renderNodeRow(it: NodeItem, row: HTMLElement, m: Model): void {
  const binary = m.settings.memoryUnit === 'binary';
  const n = m.report.nodes[it.pos];
  row.dataset.testid = 'node-row';
  row.dataset.nodeIndex = String(n.index);
  row.classList.add(`status-${n.status}`);
  const hints = m.hintsByNode.get(n.index);
  const t = nodeTime(n);
  COLUMNS.forEach((col, ci) => {
    let c: HTMLElement;
    switch (col.id) {
      case 'idx':
        c = cell(col, ci, String(n.index), undefined, String(n.index));
        break;
      case 'name':
        c = cell(col, ci, n.name || '(unnamed)', n.graphPath ? `${n.graphPath}${n.name}` : n.name);
        if (it.level > 0) c.style.paddingLeft = `${6 + it.level * 14}px`;
        break;
      case 'op':
        c = cell(col, ci, opLabel(n));
        break;
      case 'scope':
        c = cell(col, ci, n.scope);
        break;
      case 'status':
        c = cell(col, ci, n.status);
        break;
      case 'flops':
        c = cell(col, ci, formatScaled(n.flops, ''), n.flopsExpression ? `${exact(n.flops)} = ${n.flopsExpression}` : exact(n.flops), String(n.flops));
        break;
      case 'macs':
        c = cell(col, ci, formatScaled(n.macs, ''), exact(n.macs), String(n.macs));
        break;
      case 'params':
        c = cell(col, ci, formatScaled(n.params, ''), exact(n.params), String(n.params));
        break;
      case 'weights':
        c = cell(col, ci, bytes(n.weightBytes, binary), `${exact(n.weightBytes)} B`, String(n.weightBytes));
        break;
      case 'bytes': {
        const b = num(n.bytesRead) + num(n.bytesWritten);
        c = cell(col, ci, bytes(b, binary), `read ${exact(n.bytesRead)} B, written ${exact(n.bytesWritten)} B`, String(b));
        break;
      }
      case 'ai':
        c = cell(col, ci, n.arithmeticIntensity === null ? '—' : n.arithmeticIntensity.toPrecision(3), undefined, String(n.arithmeticIntensity ?? ''));
        break;
      case 'time':
        c = cell(col, ci, t ? formatSeconds(t.seconds) : '—', t ? `${formatSeconds(t.seconds)} (${t.bound}-bound) on ${currentTarget()}` : 'No estimate');
        break;
      case 'shapes':
        c = cell(col, ci, m.shapes[it.pos]);
        break;
      case 'hints': {
        c = cell(col, ci, '');
        if (hints?.length) {
          const worst = hints.some((x) => x.severity === 'error') ? 'error' : hints.some((x) => x.severity === 'warning') ? 'warning' : 'info';
          c.append(rowBadge(String(hints.length), worst, hints.map((x) => `${x.code}: ${x.message}`).join('\n')));
          c.setAttribute('aria-label', `${hints.length} hint(s)`);
        }
        break;
      }
      default:
        c = cell(col, ci, '');
    }
    row.append(c);
  });
}

function activate(i: number): void {
  const it = items[i];
  if (!it || !model) return;
  if (it.kind === 'group') {
    toggleGroup(it.key);
    return;
  }
  const n = model.report.nodes[it.pos];
  persist({ selectedNode: n.index, detailOpen: true });
  renderDetail();
  host.post({ type: 'node/select', nodeIndex: n.index });
}

function toggleGroup(key: string): void {
  const set = new Set(ui.collapsed);
  if (set.has(key)) set.delete(key);
  else set.add(key);
  persist({ collapsed: [...set] });
  const sel = items[grid.selectedIndex];
  rebuildItems();
  const keep = sel?.kind === 'group' ? items.findIndex((x) => x.kind === 'group' && x.key === sel.key) : selectedItemIndex();
  grid.setCount(items.length, keep);
  updateTableInfo();
}

function selectedItemIndex(): number {
  return ui.selectedNode !== null ? itemByNode.get(ui.selectedNode) ?? -1 : -1;
}

function refreshTable(keepSelectionVisible: boolean): void {
  rebuildItems();
  const sel = selectedItemIndex();
  grid.setCount(items.length, sel);
  grid.setSort(ui.sortCol, ui.sortDir);
  if (keepSelectionVisible && sel >= 0) grid.scrollToIndex(sel, 'center');
  updateTableInfo();
}
//#endregion

//#region table section (toolbar + grid + detail)
const tableInfo = h('span', { class: 'table-info', 'aria-live': 'polite', 'data-testid': 'table-info' });
let filterField: FieldHandle;
let opTypeDropdown: DropdownHandle;
let statusDropdown: DropdownHandle;
let groupDropdown: DropdownHandle;
let filterTimer: number | undefined;
const detailPane = h('aside', { class: 'detail-pane', 'aria-label': 'Layer details', 'data-testid': 'node-detail', tabindex: -1, hidden: true });

/** A filter or the grouping changed: the row list starts again from the top. */
function refilter(patch: Partial<EditorState>, keepSelectionVisible: boolean): void {
  persist(patch);
  grid.scrollTop = 0;
  refreshTable(keepSelectionVisible);
}

function buildTableSection(): void {
  filterField = textField({
    label: 'Filter layers',
    placeholder: 'name, op type or module',
    value: ui.filter,
    testId: 'filter-input',
    onInput: (v) => {
      window.clearTimeout(filterTimer);
      filterTimer = window.setTimeout(() => refilter({ filter: v, scrollTop: 0 }, false), 120);
    },
  });
  opTypeDropdown = dropdown({
    label: 'Op type',
    options: [{ value: '', label: 'All op types' }],
    value: ui.opType,
    testId: 'optype-filter',
    onChange: (v) => refilter({ opType: v }, false),
  });
  statusDropdown = dropdown({
    label: 'Status',
    options: [
      { value: '', label: 'Any status' },
      { value: 'costed', label: 'Costed' },
      { value: 'unknown-cost', label: 'Unknown cost' },
      { value: 'uncovered', label: 'Uncovered' },
    ],
    value: ui.status,
    testId: 'status-filter',
    onChange: (v) => refilter({ status: v }, false),
  });
  groupDropdown = dropdown({
    label: 'Group by',
    options: [
      { value: 'none', label: 'No grouping' },
      { value: 'module', label: 'Module tree' },
      { value: 'opType', label: 'Op type' },
    ],
    value: ui.groupBy,
    testId: 'group-by',
    onChange: (v) => refilter({ groupBy: v === 'module' || v === 'opType' ? v : 'none' }, true),
  });
  const toolbar = h('div', { class: 'toolbar', role: 'toolbar', 'aria-label': 'Layer table controls' }, filterField.el, opTypeDropdown.el, statusDropdown.el, groupDropdown.el, tableInfo);
  const body = h('div', { class: 'table-body' }, grid.el, detailPane);
  tableSection.replaceChildren(h('h2', { class: 'section-title' }, 'Layers'), toolbar, body);
}
buildTableSection();

function updateTableInfo(): void {
  if (!model) return;
  const shown = items.filter((x) => x.kind === 'node').length;
  tableInfo.textContent = `${shown.toLocaleString('en-US')} of ${model.report.nodes.length.toLocaleString('en-US')} layers`;
}

function closeDetail(): void {
  persist({ detailOpen: false });
  detailPane.hidden = true;
  grid.focus();
}

function field(label: string, value: string | Node, testKey?: string): HTMLElement[] {
  const dd = h('dd', { 'data-field': testKey });
  dd.append(value);
  return [h('dt', undefined, label), dd];
}

function renderDetail(): void {
  if (!model || ui.selectedNode === null || !ui.detailOpen) {
    detailPane.hidden = true;
    return;
  }
  const pos = model.posByIndex.get(ui.selectedNode);
  if (pos === undefined) {
    detailPane.hidden = true;
    return;
  }
  const n = model.report.nodes[pos];
  const binary = model.settings.memoryUnit === 'binary';
  const close = button({ label: '✕', appearance: 'icon', ariaLabel: 'Close details', onClick: closeDetail, testId: 'detail-close' });
  const dl = h('dl', { class: 'detail-fields' });
  const add = (label: string, value: string | Node, key?: string) => dl.append(...field(label, value, key));
  add('Index', String(n.index), 'index');
  add('Op type', opLabel(n), 'opType');
  add('Status', n.status, 'status');
  if (n.scope) add('Module', n.scope, 'scope');
  if (n.graphPath) add('Subgraph', n.graphPath, 'graphPath');
  add('FLOPs', `${exact(n.flops)} (${formatScaled(n.flops, 'FLOP')})`, 'flops');
  if (n.flopsExpression) add('FLOPs (symbolic)', n.flopsExpression, 'flopsExpression');
  add('MACs', `${exact(n.macs)} (${formatScaled(n.macs, 'MAC')})`, 'macs');
  add('Params', exact(n.params), 'params');
  add('Weight bytes', `${exact(n.weightBytes)} (${bytes(n.weightBytes, binary)})`, 'weightBytes');
  add('Bytes read', `${exact(n.bytesRead)} (${bytes(n.bytesRead, binary)})`, 'bytesRead');
  add('Bytes written', `${exact(n.bytesWritten)} (${bytes(n.bytesWritten, binary)})`, 'bytesWritten');
  add('Arithmetic intensity', n.arithmeticIntensity === null ? '—' : `${n.arithmeticIntensity.toPrecision(4)} FLOP/B`, 'arithmeticIntensity');
  add('Compute dtype', n.computeDtype, 'computeDtype');
  const inputs = h('ul', { class: 'plain-list' });
  for (const i of n.inputs) inputs.append(h('li', undefined, i || '(optional, empty)'));
  add('Inputs', n.inputs.length ? inputs : '—', 'inputs');
  const outs = h('ul', { class: 'plain-list' });
  for (const o of n.outputs) outs.append(h('li', undefined, h('span', { class: 'mono' }, o.name), ` ${o.dtype} ${formatShape(o.shape)}`));
  add('Outputs', n.outputs.length ? outs : '—', 'outputs');
  if (n.notes.length) {
    const notes = h('ul', { class: 'plain-list' });
    for (const x of n.notes) notes.append(h('li', undefined, x));
    add('Notes', notes, 'notes');
  }
  if (model.estimates?.targets.length) {
    const times = h('ul', { class: 'plain-list' });
    for (const t of model.estimates.targets) {
      const nt = model.estimates.nodeTimes.get(t.target)?.get(n.index);
      times.append(h('li', undefined, `${t.targetName}: ${nt ? `${formatSeconds(nt.seconds)} (${nt.bound}-bound)` : '—'}`));
    }
    add('Estimated time', times, 'times');
  }
  const hints = model.hintsByNode.get(n.index) ?? [];
  const hintList = h('ul', { class: 'hint-list' });
  for (const x of hints) {
    const li = h('li', { class: `hint sev-${x.severity}` }, rowBadge(x.severity, x.severity, x.code), ' ', h('strong', undefined, x.code), ': ', x.message);
    if (x.explanation) li.append(h('div', { class: 'hint-explanation muted' }, x.explanation));
    if (x.savings.length) li.append(h('div', { class: 'hint-savings' }, x.savings.map((sv) => `${sv.target} ${sv.text}`).join(' · ')));
    hintList.append(li);
  }
  detailPane.replaceChildren(
    h('div', { class: 'detail-header' }, h('h3', { class: 'detail-title', 'data-testid': 'detail-title' }, n.name || '(unnamed)'), close),
    dl,
    h('h4', undefined, `Hints (${hints.length})`),
    hints.length ? hintList : h('p', { class: 'muted' }, 'No hints for this layer.'),
  );
  detailPane.hidden = false;
}
//#endregion

//#region header, binding, summary, charts
function buildHeader(r: ProfileReport): void {
  const file = r.model.path.split(/[\\/]/).pop() || r.model.path;
  const exportButtons = (['json', 'csv', 'md'] as const).map((f) =>
    button({ label: f.toUpperCase(), appearance: 'secondary', ariaLabel: `Export report as ${f.toUpperCase()}`, testId: `export-${f}`, onClick: () => host.post({ type: 'report/export', format: f }) }),
  );
  const meta = [r.model.producer && `${r.model.producer} ${r.model.producerVersion}`.trim(), `IR ${r.model.irVersion}`, Object.entries(r.model.opsets).map(([d, v]) => `${d} ${v}`).join(', ')].filter(Boolean).join(' · ');
  headerEl.replaceChildren(
    h('div', { class: 'title-block' }, h('h1', { class: 'view-title', title: r.model.path }, file), h('div', { class: 'muted' }, meta)),
    h('div', { class: 'export-buttons', role: 'group', 'aria-label': 'Export' }, h('span', { class: 'muted' }, 'Export:'), ...exportButtons),
  );
}

const IDENT = /^[A-Za-z_][A-Za-z0-9_.:\-]*$/;
function symbolsOf(r: ProfileReport): string[] {
  const out = new Set<string>();
  for (const s of r.unboundSymbols) out.add(s);
  for (const k of Object.keys(r.bindings)) out.add(k);
  for (const t of r.graphInputs) {
    for (const d of t.shape ?? []) {
      if (typeof d !== 'string') continue;
      if (IDENT.test(d)) out.add(d);
      else for (const m of d.match(/[A-Za-z_][A-Za-z0-9_.]*/g) ?? []) out.add(m);
    }
  }
  return [...out].filter((x) => x !== '?' && x.length <= 256);
}

let bindFields = new Map<string, FieldHandle>();
let applyButton: HTMLElement | null = null;

function parseDim(v: string): number | null | 'invalid' {
  const t = v.trim();
  if (t === '') return null;
  if (!/^\d+$/.test(t)) return 'invalid';
  const n = Number(t);
  return Number.isSafeInteger(n) && n <= 2 ** 40 ? n : 'invalid';
}

/** While a dims/bind re-profile runs: Apply is disabled and the section is marked busy. */
function setBinding(busy: boolean): void {
  binding = busy;
  if (applyButton) setDisabled(applyButton, busy);
  if (busy) bindSection.setAttribute('aria-busy', 'true');
  else bindSection.removeAttribute('aria-busy');
}

function applyBindings(): void {
  if (!model || binding) return;
  const bindings: Record<string, number> = {};
  let bad = false;
  for (const [name, f] of bindFields) {
    const v = parseDim(f.value);
    if (v === 'invalid') {
      f.setInvalid('Enter a non-negative integer');
      bad = true;
    } else {
      f.setInvalid(null);
      if (v !== null) bindings[name] = v;
    }
  }
  if (bad) {
    showStatus('Some dimension values are not non-negative integers.');
    return;
  }
  if (host.post({ type: 'dims/bind', bindings })) {
    setBinding(true);
    showStatus(`Re-profiling with ${Object.entries(bindings).map(([k, v]) => `${k}=${v}`).join(', ') || 'no bindings'}…`, true);
  }
}

function buildBindSection(r: ProfileReport): void {
  const syms = symbolsOf(r);
  bindSection.hidden = syms.length === 0;
  bindFields = new Map();
  if (!syms.length) {
    bindSection.replaceChildren();
    return;
  }
  const fields = syms.map((name) => {
    const f = textField({ label: name, value: r.bindings[name] !== undefined ? String(r.bindings[name]) : '', placeholder: 'unbound (1)', numeric: true, size: 8, testId: `bind-input-${name}`, onEnter: applyBindings });
    bindFields.set(name, f);
    return f.el;
  });
  applyButton = button({ label: 'Apply', appearance: 'primary', testId: 'bind-apply', ariaLabel: 'Apply dimension bindings and re-profile', onClick: applyBindings });
  const unbound = r.unboundSymbols.length ? `Unbound dims count as 1 in totals: ${r.unboundSymbols.join(', ')}` : 'All symbolic dims are bound.';
  bindSection.replaceChildren(h('h2', { class: 'section-title' }, 'Symbolic dimensions'), h('p', { class: 'muted' }, unbound), h('div', { class: 'bind-fields' }, ...fields, applyButton));
}

function card(title: string, value: string, testId: string, rawValue: string, ...extra: (Node | string)[]): HTMLElement {
  return h(
    'div',
    { class: 'card', role: 'group', 'aria-label': title },
    h('div', { class: 'card-title' }, title),
    h('div', { class: 'card-value', 'data-testid': testId, 'data-value': rawValue, title: rawValue }, value),
    ...extra.map((e) => (typeof e === 'string' ? h('div', { class: 'card-sub' }, e) : e)),
  );
}

function buildSummary(r: ProfileReport, settings: ViewSettings): void {
  const binary = settings.memoryUnit === 'binary';
  const t = r.totals;
  const macsFirst = settings.computeUnit === 'macs';
  const dtypeList = h('ul', { class: 'plain-list compact' });
  for (const [d, b] of Object.entries(t.weightBytesByDtype).sort((a, b2) => num(b2[1]) - num(a[1]))) dtypeList.append(h('li', undefined, `${d}: ${bytes(b, binary)}`));
  const cov = r.coverage;
  const covList = h('ul', { class: 'plain-list compact', 'aria-label': 'Uncovered op types', 'data-testid': 'uncovered-ops' });
  for (const u of cov.uncoveredOpTypes.slice(0, 8)) covList.append(h('li', undefined, `${opLabel(u)} ×${u.count}`));
  if (cov.uncoveredOpTypes.length > 8) covList.append(h('li', { class: 'muted' }, `+${cov.uncoveredOpTypes.length - 8} more`));
  summaryEl.replaceChildren(
    card('Parameters', formatScaled(t.params, ''), 'summary-params', String(t.params), `${exact(t.params)} parameters`),
    card(
      macsFirst ? 'Compute (MACs)' : 'Compute (FLOPs)',
      macsFirst ? formatScaled(t.macs, 'MAC') : formatScaled(t.flops, 'FLOP'),
      'summary-flops',
      String(macsFirst ? t.macs : t.flops),
      macsFirst ? `${formatScaled(t.flops, 'FLOP')} · ${exact(t.flops)} FLOPs` : `${formatScaled(t.macs, 'MAC')} · ${exact(t.flops)} FLOPs`,
      ...(t.flopsExpression ? [h('div', { class: 'card-sub mono', title: t.flopsExpression }, `= ${t.flopsExpression}`)] : []),
    ),
    card('Weights', bytes(t.weightBytes, binary), 'summary-weights', String(t.weightBytes), dtypeList),
    card('Peak activation memory', bytes(t.peakActivationBytes, binary), 'summary-activations', String(t.peakActivationBytes), `Moved: ${bytes(num(t.bytesRead) + num(t.bytesWritten), binary)} read + written`),
    card('Coverage', `${cov.percent.toFixed(1)} %`, 'summary-coverage', String(cov.percent), `${cov.costedNodes.toLocaleString('en-US')} of ${cov.nodes.toLocaleString('en-US')} nodes costed${cov.unknownCostNodes ? `, ${cov.unknownCostNodes} unknown-cost` : ''}`, ...(cov.uncoveredOpTypes.length ? [covList] : [])),
  );
}

function currentTarget(): string {
  const est = model?.estimates;
  if (!est || est.targets.length === 0) return '';
  if (ui.target && est.targets.some((t) => t.target === ui.target)) return ui.target;
  return est.selectedTarget && est.targets.some((t) => t.target === est.selectedTarget) ? est.selectedTarget : est.targets[0].target;
}

function chartCard(title: string, testId: string, ...content: (Node | string)[]): HTMLElement {
  return h('figure', { class: 'chart-card', 'data-testid': testId }, h('figcaption', { class: 'chart-title' }, title), ...content);
}

function opTypeChart(r: ProfileReport): Element {
  const ops = [...r.opTypes].sort((a, b) => num(b.flops) - num(a.flops));
  const top = ops.slice(0, 12).filter((o) => num(o.flops) > 0);
  const rest = ops.slice(12).reduce((a, o) => a + num(o.flops), 0);
  const opItems = top.map((o, i) => ({ key: o.opType, label: opLabel(o), value: num(o.flops), valueLabel: `${formatScaled(o.flops, '')} (${(o.flopsShare * 100).toFixed(1)}%)`, className: `series-${i % 8}`, title: `${o.opType}: ${exact(o.flops)} FLOPs in ${o.count} node(s). Click to filter.` }));
  if (rest > 0) opItems.push({ key: '', label: 'other', value: rest, valueLabel: formatScaled(rest, ''), className: 'series-other', title: 'All other op types' });
  return opItems.length
    ? barChart({
        ariaLabel: 'FLOPs by op type',
        items: opItems,
        testId: 'chart-optype',
        onClick: (it) => {
          if (!it.key) return;
          persist({ opType: it.key });
          opTypeDropdown.value = it.key;
          refreshTable(false);
        },
      })
    : h('p', { class: 'muted' }, 'No FLOPs counted yet (op coverage may be incomplete).');
}

/** The target picker, latency line and slowest layers on the selected target. */
function timeChart(m: Model, target: string): (Node | string)[] {
  const est = m.estimates;
  if (!est || !est.targets.length) return [h('p', { class: 'muted' }, 'No hardware estimates yet: pick targets in the Hardware panel.')];
  const targetDd = dropdown({
    label: 'Target',
    options: est.targets.map((t) => ({ value: t.target, label: t.targetName })),
    value: target,
    testId: 'time-target',
    onChange: (v) => {
      persist({ target: v });
      buildCharts();
      refreshTable(false);
      if (ui.detailOpen) renderDetail();
    },
  });
  const times = est.nodeTimes.get(target);
  const nodes = m.report.nodes;
  const timed = times ? [...times.values()].filter((t) => t.seconds > 0).sort((a, b) => b.seconds - a.seconds).slice(0, 15) : [];
  const te = est.targets.find((t) => t.target === target)!;
  return [
    targetDd.el,
    h('div', { class: 'muted' }, `Latency ${formatSeconds(te.latencySeconds)} · ${(te.computeBoundFraction * 100).toFixed(0)}% compute-bound`),
    timed.length
      ? barChart({
          ariaLabel: `Slowest layers on ${te.targetName}`,
          testId: 'chart-time',
          width: 460,
          labelWidth: 190,
          truncateStart: true,
          items: timed.map((t) => {
            const p = m.posByIndex.get(t.index);
            const n = p !== undefined ? nodes[p] : undefined;
            return { key: String(t.index), label: n?.name || `#${t.index}`, value: t.seconds, valueLabel: formatSeconds(t.seconds), className: t.bound === 'compute' ? 'series-0' : 'series-2', title: `${n?.name ?? t.index} (${n?.opType ?? '?'}): ${formatSeconds(t.seconds)}, ${t.bound}-bound` };
          }),
          onClick: (it) => revealNode(Number(it.key), true),
        })
      : h('p', { class: 'muted' }, 'No per-layer times in the estimates.'),
  ];
}

const MAX_ROOFLINE_POINTS = 2000;

/** The roofline card: one point per layer (the ones with most FLOPs), one roof per target with peaks. */
function rooflineCard(m: Model, target: string): HTMLElement {
  const est = m.estimates;
  const times = est?.nodeTimes.get(target);
  const candidates = m.report.nodes.filter((n) => n.arithmeticIntensity !== null && n.arithmeticIntensity > 0 && num(n.flops) > 0);
  candidates.sort((a, b) => num(b.flops) - num(a.flops));
  const shown = candidates.slice(0, MAX_ROOFLINE_POINTS);
  const points = shown.map((n) => {
    const t = times?.get(n.index);
    return { x: n.arithmeticIntensity as number, y: t && t.seconds > 0 ? num(n.flops) / t.seconds : null, label: `${n.name} (${n.opType})`, key: n.index, className: t ? `bound-${t.bound}` : '' };
  });
  const roofs = (est?.targets ?? []).filter((t) => t.peakFlopsPerSecond && t.memoryBandwidthBytesPerSecond).map((t) => ({ label: t.targetName, peakFlopsPerSecond: t.peakFlopsPerSecond!, bandwidthBytesPerSecond: t.memoryBandwidthBytesPerSecond! }));
  const roof = points.length
    ? rooflineChart({ ariaLabel: roofs.length ? 'Roofline: arithmetic intensity against attainable FLOP/s per target' : 'Layers by arithmetic intensity', points, roofs, testId: 'chart-roofline', formatY: (v) => formatScaled(v, ''), onPointClick: (k) => revealNode(k, true) })
    : h('p', { class: 'muted' }, 'No layer has both FLOPs and bytes yet.');
  const note = candidates.length > MAX_ROOFLINE_POINTS ? h('div', { class: 'muted' }, `Showing the ${MAX_ROOFLINE_POINTS} layers with most FLOPs of ${candidates.length}.`) : null;
  return chartCard(roofs.length ? `Roofline${target ? ` (points: ${target})` : ''}` : 'Arithmetic intensity (no estimates: intensity axis only)', 'card-roofline', roof, ...(note ? [note] : []));
}

function buildCharts(): void {
  if (!model) return;
  const target = currentTarget();
  chartsEl.replaceChildren(chartCard('FLOPs by op type', 'card-optype', opTypeChart(model.report)), chartCard('Time per layer', 'card-time', ...timeChart(model, target)), rooflineCard(model, target));
}
//#endregion

//#region messages
/** Deeper check than the protocol validator: the fields every renderer reads. */
function reportLooksValid(r: ProfileReport): string | null {
  if (!Array.isArray(r.nodes)) return 'nodes is not an array';
  for (let i = 0; i < r.nodes.length; i++) {
    const n = r.nodes[i] as unknown as Record<string, unknown>;
    if (typeof n !== 'object' || n === null || typeof n.index !== 'number' || typeof n.name !== 'string' || typeof n.opType !== 'string' || !Array.isArray(n.outputs) || !Array.isArray(n.inputs)) {
      return `node ${i} is malformed`;
    }
  }
  const t = r.totals as unknown as Record<string, unknown>;
  if (typeof r.model !== 'object' || r.model === null || typeof r.coverage !== 'object' || r.coverage === null) return 'model or coverage missing';
  if (typeof t.weightBytesByDtype !== 'object' || t.weightBytesByDtype === null) return 'totals.weightBytesByDtype missing';
  if (!Array.isArray(r.opTypes) || !Array.isArray(r.graphInputs) || !Array.isArray(r.unboundSymbols)) return 'opTypes, graphInputs or unboundSymbols missing';
  return null;
}

function showReport(msg: ReportMessage): void {
  performance.mark('show:start');
  const problem = reportLooksValid(msg.report);
  if (problem) {
    console.warn(`[profile-editor] dropped report/show: ${problem}`);
    return;
  }
  const r = msg.report;
  const firstReport = model === null;
  const hints = normalizeHints(msg.hints, r.nodes);
  const hintsByNode = new Map<number, HintView[]>();
  for (const x of hints) for (const i of x.nodes) (hintsByNode.get(i) ?? hintsByNode.set(i, []).get(i)!).push(x);
  const shapes = r.nodes.map((n) => n.outputs.map((o) => formatShape(o.shape)).join('; '));
  model = {
    report: r,
    settings: msg.settings,
    estimates: normalizeEstimates(msg.estimates),
    hintsByNode,
    posByIndex: new Map(r.nodes.map((n, p) => [n.index, p])),
    search: r.nodes.map((n) => `${n.name}\u0000${n.opType}\u0000${n.scope}\u0000${n.outputs.map((o) => o.name).join('\u0000')}`.toLowerCase()),
    shapes,
  };
  setBinding(false);
  emptyEl.hidden = true;
  showError(null);
  showStatus(null);
  performance.mark('show:model');
  buildHeader(r);
  buildBindSection(r);
  buildSummary(r, msg.settings);
  const ops = [...new Set(r.nodes.map((n) => n.opType))].sort();
  if (ui.opType && !ops.includes(ui.opType)) persist({ opType: '' });
  opTypeDropdown.setOptions([{ value: '', label: 'All op types' }, ...ops.map((o) => ({ value: o, label: o }))], ui.opType);
  performance.mark('show:summary');
  buildCharts();
  performance.mark('show:charts');
  rebuildItems();
  performance.mark('show:items');
  grid.setCount(items.length, selectedItemIndex());
  grid.setSort(ui.sortCol, ui.sortDir);
  if (firstReport && ui.scrollTop > 0) grid.scrollTop = ui.scrollTop;
  updateTableInfo();
  renderDetail();
  performance.mark('show:end');
  // Timings per phase, readable in devtools (Performance > Timings) and by the tests.
  performance.measure('show: index report', 'show:start', 'show:model');
  performance.measure('show: header+summary', 'show:model', 'show:summary');
  performance.measure('show: charts', 'show:summary', 'show:charts');
  performance.measure('show: filter+sort+group', 'show:charts', 'show:items');
  performance.measure('show: grid', 'show:items', 'show:end');
}

/** Select and scroll to a node, clearing filters or expanding groups that hide it. */
function revealNode(index: number, fromView: boolean): void {
  if (!model) return;
  const pos = model.posByIndex.get(index);
  if (pos === undefined) {
    console.warn(`[profile-editor] node/reveal: no node ${index}`);
    return;
  }
  if (!itemByNode.has(index)) {
    const n = model.report.nodes[pos];
    const ancestors = new Set<string>([opGroupKey(opLabel(n))]);
    let path = '';
    for (const seg of moduleSegments(n)) ancestors.add(moduleGroupKey((path += `/${seg}`)));
    persist({ collapsed: ui.collapsed.filter((k) => !ancestors.has(k)) });
    rebuildItems();
    if (!itemByNode.has(index)) {
      persist({ filter: '', opType: '', status: '' });
      filterField.value = '';
      opTypeDropdown.value = '';
      statusDropdown.value = '';
      rebuildItems();
    }
    grid.setCount(items.length, -1);
    updateTableInfo();
  }
  persist({ selectedNode: index });
  const i = itemByNode.get(index)!;
  grid.select(i, false);
  grid.scrollToIndex(i, 'center');
  if (fromView) {
    persist({ detailOpen: true });
    host.post({ type: 'node/select', nodeIndex: index });
  }
  renderDetail();
}

host.onMessage((m) => {
  switch (m.type) {
    case 'report/show':
      showReport(m);
      break;
    case 'report/progress':
      showStatus(m.message, true);
      break;
    case 'report/error':
      setBinding(false);
      showStatus(null);
      showError(m.message);
      emptyEl.hidden = model !== null;
      if (!model) emptyEl.textContent = 'The model could not be profiled.';
      break;
    case 'node/reveal':
      revealNode(m.nodeIndex, false);
      break;
  }
});

// Test/diagnostic hook: read-only figures about the grid (no behaviour).
(window as unknown as { __profileView?: unknown }).__profileView = {
  renderedRows: () => grid.renderedRowCount,
  rowCount: () => grid.rowCount,
};

host.post({ type: 'view/ready' });
//#endregion
