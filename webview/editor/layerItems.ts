/**
 * The rows of the layer table: the nodes that pass the filters, sorted by the sort column, flat or grouped
 * by op type or by the module tree (groups carry their members' sums and sort by them too).
 */
import type { NodeReport } from '../../src/core/report/reportTypes';
import type { GridColumn } from '../components';
import { num } from '../common/format';
import type { Model } from './model';
import type { EditorState } from './state';

export interface NodeItem {
  readonly kind: 'node';
  readonly pos: number;
  readonly level: number;
}

export interface GroupItem {
  readonly kind: 'group';
  readonly key: string;
  readonly label: string;
  readonly level: number;
  readonly expanded: boolean;
  readonly agg: Agg;
}

export type Item = NodeItem | GroupItem;

/** A group's sums. */
export interface Agg {
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

export const COLUMNS: readonly GridColumn[] = [
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
export const NUMERIC: ReadonlySet<string> = new Set(['idx', 'flops', 'macs', 'params', 'weights', 'bytes', 'ai', 'time', 'hints']);

/** The op type as the view shows it: custom domains qualify it ("com.microsoft::FusedConv"). */
export function opLabel(x: { domain: string; opType: string }): string {
  return x.domain ? `${x.domain}::${x.opType}` : x.opType;
}

/** The module path of a node, one segment per level of the module tree. */
function moduleSegments(n: NodeReport): string[] {
  const segs = n.scope ? n.scope.split('/').filter((x) => x.length > 0) : [];
  return segs.length ? segs : ['(no module)'];
}

// Group keys (persisted in EditorState.collapsed): 'o:' + op label, or 'm:' + the module path ('/a/b').
const opGroupKey = (label: string) => `o:${label}`;
const moduleGroupKey = (path: string) => `m:${path}`;

/** The group keys that hide node `n` when collapsed. */
export function ancestorKeys(n: NodeReport): Set<string> {
  const keys = new Set<string>([opGroupKey(opLabel(n))]);
  let path = '';
  for (const seg of moduleSegments(n)) keys.add(moduleGroupKey((path += `/${seg}`)));
  return keys;
}

interface Group {
  label: string;
  agg: Agg;
  /** Positions of the nodes directly in this group, already sorted. */
  pos: number[];
}

interface ModuleTree extends Group {
  path: string;
  children: Map<string, ModuleTree>;
}

/** The table's items for one state of the filters, sort and grouping. */
export class LayerItems {
  items: Item[] = [];
  /** node.index → its item's position, for nodes shown. */
  itemByNode = new Map<number, number>();

  constructor(
    private readonly model: Model,
    private readonly ui: Readonly<EditorState>,
    /** The target whose node times the time column shows. */
    private readonly target: () => string,
  ) {
    this.rebuild();
  }

  get nodeCount(): number {
    return this.items.reduce((s, it) => s + (it.kind === 'node' ? 1 : 0), 0);
  }

  rebuild(): void {
    const ui = this.ui;
    const nodes = this.model.report.nodes;
    const positions = this.filteredPositions();
    const col = ui.sortCol;
    const dir = ui.sortDir === 'ascending' ? 1 : -1;
    this.sortPositions(positions, col, dir);
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
      for (const g of this.groupsByOpType(positions).sort(cmpGroups)) {
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
      walk(this.moduleTree(positions), 0);
    }
    this.items = out;
    this.itemByNode = new Map();
    out.forEach((it, i) => {
      if (it.kind === 'node') this.itemByNode.set(nodes[it.pos].index, i);
    });
  }

  /** Positions (in report.nodes) of the nodes that pass the text, op type and status filters. */
  private filteredPositions(): number[] {
    const { ui, model } = this;
    const nodes = model.report.nodes;
    const q = ui.filter.trim().toLowerCase();
    const positions: number[] = [];
    for (let p = 0; p < nodes.length; p++) {
      const n = nodes[p];
      if (ui.opType && n.opType !== ui.opType) continue;
      if (ui.status && n.status !== ui.status) continue;
      if (q && !model.searchKey(p).includes(q)) continue;
      positions.push(p);
    }
    return positions;
  }

  /** Sorts positions in place by the sort column; ties keep node order. Keys are computed once per node. */
  private sortPositions(positions: number[], col: string, dir: number): void {
    const nodes = this.model.report.nodes;
    if (NUMERIC.has(col)) {
      const keys = new Float64Array(nodes.length);
      for (const p of positions) keys[p] = this.numericKey(col, nodes[p]);
      const order = (a: number, b: number) => (keys[a] - keys[b]) * dir || nodes[a].index - nodes[b].index;
      // The default order (by index) is usually the order already: one pass instead of a sort.
      if (positions.every((p, i) => i === 0 || order(positions[i - 1], p) <= 0)) return;
      positions.sort(order);
    } else {
      const keys: string[] = new Array(nodes.length);
      for (const p of positions) keys[p] = this.stringKey(col, nodes[p], p).toLowerCase();
      positions.sort((a, b) => (keys[a] < keys[b] ? -dir : keys[a] > keys[b] ? dir : nodes[a].index - nodes[b].index));
    }
  }

  private numericKey(col: string, n: NodeReport): number {
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
        return this.model.nodeTime(n, this.target())?.seconds ?? -1;
      case 'hints':
        return this.model.hintsByNode.get(n.index)?.length ?? 0;
      default:
        return 0;
    }
  }

  private stringKey(col: string, n: NodeReport, pos: number): string {
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
        return this.model.shapes(pos);
      default:
        return '';
    }
  }

  private addToAgg(a: Agg, n: NodeReport): void {
    a.count++;
    a.minIdx = Math.min(a.minIdx, n.index);
    a.flops += num(n.flops);
    a.macs += num(n.macs);
    a.params += num(n.params);
    a.weights += num(n.weightBytes);
    a.bytes += num(n.bytesRead) + num(n.bytesWritten);
    a.time += this.model.nodeTime(n, this.target())?.seconds ?? 0;
  }

  private groupsByOpType(positions: readonly number[]): Group[] {
    const nodes = this.model.report.nodes;
    const groups = new Map<string, Group>();
    for (const p of positions) {
      const n = nodes[p];
      const label = opLabel(n);
      let g = groups.get(label);
      if (!g) groups.set(label, (g = { label, agg: newAgg(), pos: [] }));
      g.pos.push(p);
      this.addToAgg(g.agg, n);
    }
    return [...groups.values()];
  }

  private moduleTree(positions: readonly number[]): ModuleTree {
    const nodes = this.model.report.nodes;
    const mk = (label: string, path: string): ModuleTree => ({ label, path, agg: newAgg(), children: new Map(), pos: [] });
    const treeRoot = mk('', '');
    for (const p of positions) {
      const n = nodes[p];
      let t = treeRoot;
      this.addToAgg(t.agg, n);
      for (const seg of moduleSegments(n)) {
        let c = t.children.get(seg);
        if (!c) t.children.set(seg, (c = mk(seg, `${t.path}/${seg}`)));
        t = c;
        this.addToAgg(t.agg, n);
      }
      t.pos.push(p);
    }
    return treeRoot;
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
