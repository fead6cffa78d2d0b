/**
 * Per-target figures as tables, with the best value of each figure marked where the targets differ:
 * `figureTable` has a row per target (the side panel's short list), `figureMatrix` a column per target and
 * a row per figure (the wide comparison: any number of figures, a handful of targets). Both sort the
 * targets by a figure; every cell carries data-field, data-target and data-value (the raw number).
 */
import { barChart, h } from '../components';
import type { FigureColumn } from './figures';

export interface TargetRow {
  readonly target: string;
  readonly targetName: string;
  readonly fits: boolean;
}

export interface SortState {
  readonly col: string;
  readonly dir: 'ascending' | 'descending';
}

export interface FigureTableOptions<T extends TargetRow> {
  readonly rows: readonly T[];
  readonly columns: readonly FigureColumn<T>[];
  readonly binary: boolean;
  /** Absent: the headers are labels, not sort buttons (a short table in a narrow panel). */
  readonly sort?: SortState;
  readonly onSort?: (sort: SortState) => void;
  readonly testId: string;
  readonly rowTestId: string;
  readonly ariaLabel: string;
  /** Row tooltip. */
  readonly rowTitle?: (t: T) => string;
}

/** The best value of each figure that has a direction, where the targets differ in it. */
function bestValues<T>(rows: readonly T[], columns: readonly FigureColumn<T>[], binary: boolean): Map<string, number> {
  const best = new Map<string, number>();
  for (const c of columns) {
    if (!c.better) continue;
    const vals = rows.map((t) => c.value(t, binary)).filter((v): v is number => v !== null && Number.isFinite(v));
    if (vals.length < 2 || vals.every((v) => v === vals[0])) continue;
    best.set(c.field, c.better === 'low' ? Math.min(...vals) : Math.max(...vals));
  }
  return best;
}

function valueCell<T extends TargetRow>(t: T, c: FigureColumn<T>, binary: boolean, best: ReadonlyMap<string, number>): HTMLElement {
  const v = c.value(t, binary);
  const isBest = v !== null && best.get(c.field) === v;
  const td = h('td', { class: `num${isBest ? ' best' : ''}`, 'data-field': c.field, 'data-target': t.target, 'data-value': v === null ? '' : String(v) }, c.text(t, binary));
  if (isBest) td.append(h('span', { class: 'sr-only' }, ' (best)'));
  return td;
}

/** A header's sort button: the first click sorts by the figure's better direction, the next reverses. */
function sortButton(c: FigureColumn<unknown>, sort: SortState, onSort: (s: SortState) => void, refocus: () => void): HTMLElement {
  const active = sort.col === c.field;
  const b = h('button', { type: 'button', class: 'sort-button', 'aria-label': `Sort targets by ${c.title}` }, c.label, active ? (sort.dir === 'ascending' ? ' ▲' : ' ▼') : '');
  b.addEventListener('click', () => {
    onSort(active ? { col: c.field, dir: sort.dir === 'ascending' ? 'descending' : 'ascending' } : { col: c.field, dir: c.better === 'high' ? 'descending' : 'ascending' });
    refocus();
  });
  return b;
}

/** Rows in the sort order; rows without a value go last either way. */
function sortedRows<T>(rows: readonly T[], columns: readonly FigureColumn<T>[], sort: SortState, binary: boolean): T[] {
  const c = columns.find((x) => x.field === sort.col);
  if (!c) return [...rows];
  const d = sort.dir === 'ascending' ? 1 : -1;
  const key = (t: T) => c.value(t, binary);
  return [...rows].sort((a, b) => {
    const ka = key(a);
    const kb = key(b);
    if (ka === null || kb === null) return ka === kb ? 0 : ka === null ? 1 : -1;
    return (ka - kb) * d;
  });
}

export function figureTable<T extends TargetRow>(o: FigureTableOptions<T>): HTMLElement {
  const best = bestValues(o.rows, o.columns, o.binary);
  const headRow = h('tr', undefined, h('th', { scope: 'col' }, 'Target'));
  o.columns.forEach((c, i) => {
    const sort = o.sort;
    const th = h('th', { scope: 'col', class: 'num', title: c.title, 'aria-sort': sort ? (sort.col === c.field ? sort.dir : 'none') : undefined, 'data-field': c.field });
    if (sort && o.onSort) th.append(sortButton(c as FigureColumn<unknown>, sort, o.onSort, () => (document.querySelector(`[data-testid="${o.testId}"] th:nth-child(${i + 2}) button`) as HTMLElement | null)?.focus()));
    else th.append(h('abbr', { title: c.title }, c.label));
    headRow.append(th);
  });
  const tbody = h('tbody');
  for (const t of o.sort ? sortedRows(o.rows, o.columns, o.sort, o.binary) : o.rows) {
    const tr = h('tr', { 'data-testid': o.rowTestId, 'data-target': t.target, class: t.fits ? '' : 'no-fit', title: o.rowTitle?.(t) ?? t.targetName });
    tr.append(h('th', { scope: 'row', title: `${t.targetName} (${t.target})` }, t.target));
    for (const c of o.columns) tr.append(valueCell(t, c, o.binary, best));
    tbody.append(tr);
  }
  return h('table', { class: 'data-table', 'data-testid': o.testId, 'aria-label': o.ariaLabel }, h('caption', { class: 'sr-only' }, o.ariaLabel), h('thead', undefined, headRow), tbody);
}

/** Figures as rows, targets as columns (sorted by the chosen figure); `rowTestId` marks each target's header cell. */
export function figureMatrix<T extends TargetRow>(o: FigureTableOptions<T> & { readonly sort: SortState; readonly onSort: (sort: SortState) => void }): HTMLElement {
  const best = bestValues(o.rows, o.columns, o.binary);
  const targets = sortedRows(o.rows, o.columns, o.sort, o.binary);
  const headRow = h('tr', undefined, h('th', { scope: 'col', class: 'figure-name' }, 'Figure'));
  for (const t of targets) {
    headRow.append(h('th', { scope: 'col', class: `num${t.fits ? '' : ' no-fit'}`, 'data-testid': o.rowTestId, 'data-target': t.target, title: o.rowTitle?.(t) ?? t.targetName }, t.target, h('div', { class: 'target-name' }, t.targetName)));
  }
  const tbody = h('tbody');
  o.columns.forEach((c, i) => {
    const rowHeader = h('th', { scope: 'row', class: 'figure-name', title: c.title, 'aria-sort': o.sort.col === c.field ? o.sort.dir : 'none' });
    rowHeader.append(sortButton(c as FigureColumn<unknown>, o.sort, o.onSort, () => (document.querySelector(`[data-testid="${o.testId}"] tbody tr:nth-child(${i + 1}) th button`) as HTMLElement | null)?.focus()));
    const tr = h('tr', { 'data-field': c.field }, rowHeader);
    for (const t of targets) tr.append(valueCell(t, c, o.binary, best));
    tbody.append(tr);
  });
  return h('table', { class: 'data-table figure-matrix', 'data-testid': o.testId, 'aria-label': o.ariaLabel }, h('caption', { class: 'sr-only' }, o.ariaLabel), h('thead', undefined, headRow), tbody);
}

/** A bar chart of one column over the rows (best bar highlighted), in a captioned figure. */
export function figureChart<T extends TargetRow>(title: string, rows: readonly T[], column: FigureColumn<T>, binary: boolean, size: { width: number; labelWidth: number; valueWidth: number }, testId: string): HTMLElement {
  const values = rows.map((t) => column.value(t, binary));
  const bestValue = bestValues(rows, [column], binary).get(column.field);
  const items = rows.flatMap((t, i) => {
    const v = values[i];
    if (v === null || !Number.isFinite(v)) return [];
    const best = v === bestValue;
    return [{ key: t.target, label: t.target, value: v, valueLabel: column.text(t, binary), className: best ? 'series-best' : 'series-0', title: `${t.targetName}: ${column.text(t, binary)}${best ? ' (best)' : ''}` }];
  });
  return h('figure', { class: 'chart-card' }, h('figcaption', { class: 'chart-title' }, title), items.length ? barChart({ ariaLabel: title, items, ...size, testId }) : h('p', { class: 'muted' }, 'n/a'));
}
