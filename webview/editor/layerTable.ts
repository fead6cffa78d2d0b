/**
 * The layer table section: its toolbar (filter, op type, status, grouping), the virtualised grid (50,000
 * rows, a few dozen in the DOM) and the detail pane of the selected layer.
 */
import type { MoeLayerReport } from '../../src/core/report/reportTypes';
import { formatSeconds } from '../../src/core/report/units';
import {
  VirtualGrid,
  dropdown,
  h,
  rowBadge,
  textField,
  type DropdownHandle,
  type FieldHandle,
  type GridColumn,
} from '../components';
import { bytes, exact, formatScaled, num } from '../common/format';
import { badgeSeverity } from '../common/hints';
import type { Host } from '../vscodeApi';
import { detailContent } from './detail';
import { ancestorKeys, COLUMNS, LayerItems, NUMERIC, opLabel, type GroupItem, type NodeItem } from './layerItems';
import type { Model } from './model';
import type { EditorState, EditorStore } from './state';

const ROW_HEIGHT = 24;

function cell(col: GridColumn, colIndex: number, text: string, title?: string, value?: string): HTMLElement {
  const c = h('div', { class: `vgrid-cell align-${col.align ?? 'left'} col-${col.id}`, role: 'gridcell', 'aria-colindex': colIndex + 1, 'data-col': col.id, title: title ?? text });
  c.textContent = text;
  if (value !== undefined) c.dataset.value = value;
  return c;
}

export class LayerTable {
  readonly el = h('section', { class: 'table-section', 'aria-label': 'Layers' });
  private model: Model | null = null;
  private rows: LayerItems | null = null;
  private readonly grid: VirtualGrid;
  private readonly info = h('span', { class: 'table-info', 'aria-live': 'polite', 'data-testid': 'table-info' });
  private readonly detailPane = h('aside', { class: 'detail-pane', 'aria-label': 'Layer details', 'data-testid': 'node-detail', tabindex: -1, hidden: true });
  private readonly filterField: FieldHandle;
  private readonly opTypeDropdown: DropdownHandle;
  private readonly statusDropdown: DropdownHandle;
  private filterTimer: number | undefined;
  private scrollSaveTimer: number | undefined;

  constructor(
    private readonly store: EditorStore,
    private readonly host: Host<EditorState>,
    /** The target whose node times the time column shows. */
    private readonly target: () => string,
  ) {
    const ui = store.ui;
    this.grid = new VirtualGrid({
      columns: COLUMNS,
      rowHeight: ROW_HEIGHT,
      ariaLabel: 'Layers',
      testId: 'node-table',
      renderRow: (i, row) => this.renderRow(i, row),
      onSelect: (i) => {
        const it = this.rows?.items[i];
        if (it?.kind === 'node' && this.model) {
          store.persist({ selectedNode: this.model.report.nodes[it.pos].index });
          if (ui.detailOpen) this.renderDetail();
        }
      },
      onActivate: (i) => this.activate(i),
      onSort: (col) => {
        if (ui.sortCol === col) store.persist({ sortDir: ui.sortDir === 'ascending' ? 'descending' : 'ascending' });
        else store.persist({ sortCol: col, sortDir: NUMERIC.has(col) && col !== 'idx' ? 'descending' : 'ascending' });
        this.refresh(true);
      },
      onKey: (i, key) => {
        const it = this.rows?.items[i];
        if (key === 'Escape' && ui.detailOpen) {
          this.closeDetail();
          return true;
        }
        if (it?.kind !== 'group') return false;
        if ((key === 'ArrowRight' && !it.expanded) || (key === 'ArrowLeft' && it.expanded)) {
          this.toggleGroup(it.key);
          return true;
        }
        return false;
      },
    });
    this.grid.el.addEventListener('scroll', () => {
      window.clearTimeout(this.scrollSaveTimer);
      this.scrollSaveTimer = window.setTimeout(() => store.persist({ scrollTop: this.grid.scrollTop }), 150);
    });
    this.filterField = textField({
      label: 'Filter layers',
      placeholder: 'name, op type or module',
      value: ui.filter,
      testId: 'filter-input',
      onInput: (v) => {
        window.clearTimeout(this.filterTimer);
        this.filterTimer = window.setTimeout(() => this.refilter({ filter: v, scrollTop: 0 }, false), 120);
      },
    });
    this.opTypeDropdown = dropdown({ label: 'Op type', options: [{ value: '', label: 'All op types' }], value: ui.opType, testId: 'optype-filter', onChange: (v) => this.refilter({ opType: v }, false) });
    this.statusDropdown = dropdown({
      label: 'Status',
      options: [
        { value: '', label: 'Any status' },
        { value: 'costed', label: 'Costed' },
        { value: 'unknown-cost', label: 'Unknown cost' },
        { value: 'uncovered', label: 'Uncovered' },
      ],
      value: ui.status,
      testId: 'status-filter',
      onChange: (v) => this.refilter({ status: v }, false),
    });
    const groupDropdown = dropdown({
      label: 'Group by',
      options: [
        { value: 'none', label: 'No grouping' },
        { value: 'module', label: 'Module tree' },
        { value: 'opType', label: 'Op type' },
      ],
      value: ui.groupBy,
      testId: 'group-by',
      onChange: (v) => this.refilter({ groupBy: v === 'module' || v === 'opType' ? v : 'none' }, true),
    });
    const toolbar = h('div', { class: 'toolbar', role: 'toolbar', 'aria-label': 'Layer table controls' }, this.filterField.el, this.opTypeDropdown.el, this.statusDropdown.el, groupDropdown.el, this.info);
    this.el.replaceChildren(h('h2', { class: 'section-title' }, 'Layers'), toolbar, h('div', { class: 'table-body' }, this.grid.el, this.detailPane));
  }

  /** Shows a new report (after a bind, a re-estimate or a what-if); keeps filters, sort, selection and scroll. */
  setModel(model: Model, restoreScroll: boolean): void {
    const ui = this.store.ui;
    this.model = model;
    const ops = [...new Set(model.report.nodes.map((n) => n.opType))].sort();
    if (ui.opType && !ops.includes(ui.opType)) this.store.persist({ opType: '' });
    this.opTypeDropdown.setOptions([{ value: '', label: 'All op types' }, ...ops.map((o) => ({ value: o, label: o }))], ui.opType);
    this.rows = new LayerItems(model, ui, this.target);
    this.grid.setCount(this.rows.items.length, this.selectedItemIndex());
    this.grid.setSort(ui.sortCol, ui.sortDir);
    if (restoreScroll && ui.scrollTop > 0) this.grid.scrollTop = ui.scrollTop;
    this.updateInfo();
    this.renderDetail();
  }

  /** Shows only op type `opType` (a click in the op-type chart). */
  filterOpType(opType: string): void {
    this.store.persist({ opType });
    this.opTypeDropdown.value = opType;
    this.refresh(false);
  }

  /** Re-sorts and regroups (the time column's target changed, or the sort). */
  refresh(keepSelectionVisible: boolean): void {
    if (!this.rows) return;
    this.rows.rebuild();
    const sel = this.selectedItemIndex();
    this.grid.setCount(this.rows.items.length, sel);
    this.grid.setSort(this.store.ui.sortCol, this.store.ui.sortDir);
    if (keepSelectionVisible && sel >= 0) this.grid.scrollToIndex(sel, 'center');
    this.updateInfo();
    if (this.store.ui.detailOpen) this.renderDetail();
  }

  /** Selects and scrolls to a node, clearing filters or expanding groups that hide it. */
  reveal(index: number, fromView: boolean): void {
    const model = this.model;
    const rows = this.rows;
    if (!model || !rows) return;
    const pos = model.posByIndex.get(index);
    if (pos === undefined) {
      console.warn(`[profile-editor] node/reveal: no node ${index}`);
      return;
    }
    if (!rows.itemByNode.has(index)) {
      const ancestors = ancestorKeys(model.report.nodes[pos]);
      this.store.persist({ collapsed: this.store.ui.collapsed.filter((k) => !ancestors.has(k)) });
      rows.rebuild();
      if (!rows.itemByNode.has(index)) {
        this.store.persist({ filter: '', opType: '', status: '' });
        this.filterField.value = '';
        this.opTypeDropdown.value = '';
        this.statusDropdown.value = '';
        rows.rebuild();
      }
      this.grid.setCount(rows.items.length, -1);
      this.updateInfo();
    }
    this.store.persist({ selectedNode: index });
    const i = rows.itemByNode.get(index)!;
    this.grid.select(i, false);
    this.grid.scrollToIndex(i, 'center');
    if (fromView) {
      this.store.persist({ detailOpen: true });
      this.host.post({ type: 'node/select', nodeIndex: index });
    }
    this.renderDetail();
  }

  /** Read-only figures for tests. */
  get renderedRowCount(): number {
    return this.grid.renderedRowCount;
  }

  get rowCount(): number {
    return this.grid.rowCount;
  }

  /** A filter or the grouping changed: the row list starts again from the top. */
  private refilter(patch: Partial<EditorState>, keepSelectionVisible: boolean): void {
    this.store.persist(patch);
    this.grid.scrollTop = 0;
    this.refresh(keepSelectionVisible);
  }

  private selectedItemIndex(): number {
    const sel = this.store.ui.selectedNode;
    return sel !== null ? this.rows?.itemByNode.get(sel) ?? -1 : -1;
  }

  private updateInfo(): void {
    if (!this.model || !this.rows) return;
    this.info.textContent = `${this.rows.nodeCount.toLocaleString('en-US')} of ${this.model.report.nodes.length.toLocaleString('en-US')} layers`;
  }

  private activate(i: number): void {
    const it = this.rows?.items[i];
    if (!it || !this.model) return;
    if (it.kind === 'group') {
      this.toggleGroup(it.key);
      return;
    }
    const n = this.model.report.nodes[it.pos];
    this.store.persist({ selectedNode: n.index, detailOpen: true });
    this.renderDetail();
    this.host.post({ type: 'node/select', nodeIndex: n.index });
  }

  private toggleGroup(key: string): void {
    const rows = this.rows;
    if (!rows) return;
    const set = new Set(this.store.ui.collapsed);
    if (set.has(key)) set.delete(key);
    else set.add(key);
    this.store.persist({ collapsed: [...set] });
    const sel = rows.items[this.grid.selectedIndex];
    rows.rebuild();
    const keep = sel?.kind === 'group' ? rows.items.findIndex((x) => x.kind === 'group' && x.key === sel.key) : this.selectedItemIndex();
    this.grid.setCount(rows.items.length, keep);
    this.updateInfo();
  }

  private closeDetail(): void {
    this.store.persist({ detailOpen: false });
    this.detailPane.hidden = true;
    this.grid.focus();
  }

  private renderDetail(): void {
    const { model } = this;
    const ui = this.store.ui;
    const pos = model && ui.selectedNode !== null ? model.posByIndex.get(ui.selectedNode) : undefined;
    if (!model || pos === undefined || !ui.detailOpen) {
      this.detailPane.hidden = true;
      return;
    }
    this.detailPane.replaceChildren(...detailContent(model, model.report.nodes[pos], () => this.closeDetail()));
    this.detailPane.hidden = false;
  }

  private renderRow(i: number, row: HTMLElement): void {
    const it = this.rows?.items[i];
    if (!it || !this.model) return;
    if (it.kind === 'group') this.renderGroupRow(it, row, this.model);
    else this.renderNodeRow(it, row, this.model);
  }

  private renderGroupRow(it: GroupItem, row: HTMLElement, m: Model): void {
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
          const moe = it.key.startsWith('m:') ? m.moeLayerOfModule.get(it.key.slice(2)) : undefined;
          if (moe) c.append(' ', moeBadge(`MoE ${moe.experts}×top-${moe.topK}`, moe, 'MoE layer'));
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
          c = cell(col, ci, bytes(a.weights, m.binary));
          break;
        case 'bytes':
          c = cell(col, ci, bytes(a.bytes, m.binary));
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

  private renderNodeRow(it: NodeItem, row: HTMLElement, m: Model): void {
    const n = m.report.nodes[it.pos];
    row.dataset.testid = 'node-row';
    row.dataset.nodeIndex = String(n.index);
    row.classList.add(`status-${n.status}`);
    const hints = m.hintsByNode.get(n.index);
    const target = this.target();
    const t = m.nodeTime(n, target);
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
        case 'op': {
          c = cell(col, ci, opLabel(n));
          const moe = m.moeLayerOfNode.get(n.index);
          if (moe) {
            const role = moe.routerNode === n.index ? 'router' : FUSED_MOE_OPS.has(n.opType) ? 'experts' : 'MoE';
            // First, so a narrow column still shows it.
            c.prepend(moeBadge(role, moe, role === 'router' ? 'the router of' : role === 'experts' ? 'the routed experts of' : 'part of'), ' ');
          }
          break;
        }
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
          c = cell(col, ci, bytes(n.weightBytes, m.binary), `${exact(n.weightBytes)} B`, String(n.weightBytes));
          break;
        case 'bytes': {
          const b = num(n.bytesRead) + num(n.bytesWritten);
          c = cell(col, ci, bytes(b, m.binary), `read ${exact(n.bytesRead)} B, written ${exact(n.bytesWritten)} B`, String(b));
          break;
        }
        case 'ai':
          c = cell(col, ci, n.arithmeticIntensity === null ? '—' : n.arithmeticIntensity.toPrecision(3), undefined, String(n.arithmeticIntensity ?? ''));
          break;
        case 'time':
          c = cell(col, ci, t ? formatSeconds(t.seconds) : '—', t ? `${formatSeconds(t.seconds)} (${t.bound}-bound) on ${target}` : 'No estimate', t ? String(t.seconds) : undefined);
          break;
        case 'shapes':
          c = cell(col, ci, m.shapes(it.pos));
          break;
        case 'hints': {
          c = cell(col, ci, '');
          if (hints?.length) {
            const worst = hints.some((x) => x.severity === 'high') ? 'high' : 'medium';
            c.append(rowBadge(String(hints.length), badgeSeverity(worst), hints.map((x) => `${x.id}: ${x.message}`).join('\n')));
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
}

/** ONNX Runtime's fused MoE ops: the node that holds a layer's routed experts. */
const FUSED_MOE_OPS: ReadonlySet<string> = new Set(['MoE', 'QMoE', 'ShardedMoE']);

/** A badge marking an MoE layer's nodes and module: what it is, with the layer's experts in its tooltip. */
function moeBadge(text: string, layer: MoeLayerReport, what: string): HTMLElement {
  const shared = layer.sharedExperts > 0 ? ` + ${layer.sharedExperts} shared` : '';
  const b = rowBadge(text, 'info', `${what} MoE layer ${layer.name}: ${layer.experts} experts, top-${layer.topK}${shared} (${layer.kind})`);
  b.classList.add('moe-badge');
  b.dataset.testid = 'moe-badge';
  return b;
}
