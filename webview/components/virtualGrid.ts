/**
 * A virtualised ARIA grid: only the rows in (and just around) the viewport exist in the DOM, so 50,000
 * rows scroll like 50. Rows are absolutely positioned in a spacer as tall as all rows; a scroll schedules
 * one render per animation frame that removes rows that left the window and creates rows that entered it.
 *
 * Keyboard (focus stays on the grid; the current row is `aria-activedescendant`):
 *   ↑/↓ move the selection, PageUp/PageDown by a page, Home/End to the ends, Enter activates,
 *   ←/→ are handed to `onKey` (expand/collapse groups), Escape to `onKey`.
 */
import { h } from './dom';

export interface GridColumn {
  readonly id: string;
  readonly label: string;
  /** Pixels. */
  readonly width: number;
  readonly align?: 'left' | 'right';
  readonly sortable?: boolean;
  readonly title?: string;
}

export interface VirtualGridOptions {
  readonly columns: readonly GridColumn[];
  readonly rowHeight: number;
  readonly ariaLabel: string;
  readonly testId?: string;
  /** Fill a freshly created row element (role, ids and position are set already). */
  readonly renderRow: (index: number, row: HTMLElement) => void;
  readonly onSelect?: (index: number) => void;
  readonly onActivate?: (index: number) => void;
  readonly onSort?: (columnId: string) => void;
  /** Return true when handled. */
  readonly onKey?: (index: number, key: string) => boolean;
  /** Rows rendered beyond each edge of the viewport. */
  readonly overscan?: number;
}

let gridCounter = 0;

export class VirtualGrid {
  readonly el: HTMLElement;
  private readonly header: HTMLElement;
  private readonly headerCells = new Map<string, HTMLElement>();
  private readonly body: HTMLElement;
  private readonly rows = new Map<number, HTMLElement>();
  private readonly id = `vgrid-${++gridCounter}`;
  private count = 0;
  private selected = -1;
  private framePending = false;
  private readonly overscan: number;

  constructor(private readonly opts: VirtualGridOptions) {
    this.overscan = opts.overscan ?? 8;
    const totalWidth = opts.columns.reduce((a, c) => a + c.width, 0);
    this.el = h('div', {
      class: 'vgrid',
      role: 'grid',
      tabindex: 0,
      'aria-label': opts.ariaLabel,
      'aria-colcount': opts.columns.length,
      'aria-rowcount': 1,
      'data-testid': opts.testId,
      id: this.id,
    });
    this.el.style.setProperty('--vgrid-cols', opts.columns.map((c) => `${c.width}px`).join(' '));
    this.el.style.setProperty('--vgrid-width', `${totalWidth}px`);
    this.el.style.setProperty('--vgrid-row-height', `${opts.rowHeight}px`);

    const headerRow = h('div', { class: 'vgrid-row vgrid-header-row', role: 'row', 'aria-rowindex': 1 });
    opts.columns.forEach((c, i) => {
      const cell = h('div', {
        class: `vgrid-cell vgrid-header-cell align-${c.align ?? 'left'}`,
        role: 'columnheader',
        'aria-colindex': i + 1,
        'data-col': c.id,
        title: c.title,
      });
      if (c.sortable !== false && opts.onSort) {
        cell.setAttribute('aria-sort', 'none');
        const b = h('button', { class: 'sort-button', type: 'button', 'aria-label': `Sort by ${c.label}` }, c.label, h('span', { class: 'sort-indicator', 'aria-hidden': 'true' }));
        b.addEventListener('click', (e) => {
          e.stopPropagation();
          opts.onSort?.(c.id);
        });
        cell.append(b);
      } else {
        cell.textContent = c.label;
      }
      this.headerCells.set(c.id, cell);
      headerRow.append(cell);
    });
    this.header = h('div', { class: 'vgrid-header', role: 'rowgroup' }, headerRow);
    this.body = h('div', { class: 'vgrid-body', role: 'rowgroup' });
    this.el.append(this.header, this.body);

    this.el.addEventListener('scroll', () => this.schedule(), { passive: true });
    this.el.addEventListener('keydown', (e) => this.onKeyDown(e));
    this.el.addEventListener('click', (e) => {
      const row = (e.target as Element).closest<HTMLElement>('.vgrid-body > .vgrid-row');
      if (!row) return;
      const i = Number(row.dataset.rowIndex);
      this.select(i, false);
      this.el.focus({ preventScroll: true });
      opts.onActivate?.(i);
    });
    if (typeof ResizeObserver !== 'undefined') new ResizeObserver(() => this.schedule()).observe(this.el);
  }

  get rowCount(): number {
    return this.count;
  }
  get selectedIndex(): number {
    return this.selected;
  }
  /** Rows currently in the DOM (for tests and diagnostics). */
  get renderedRowCount(): number {
    return this.rows.size;
  }

  /** New data: drop every rendered row and render the window again. */
  setCount(count: number, selected = -1): void {
    this.count = count;
    this.selected = selected < count ? selected : -1;
    this.el.setAttribute('aria-rowcount', String(count + 1));
    this.body.style.height = `${count * this.opts.rowHeight}px`;
    for (const r of this.rows.values()) r.remove();
    this.rows.clear();
    this.updateActiveDescendant();
    this.render();
  }

  /** Re-render visible rows in place (e.g. a formatting setting changed). */
  refresh(): void {
    this.setCount(this.count, this.selected);
  }

  setSort(columnId: string | null, direction: 'ascending' | 'descending'): void {
    for (const [id, cell] of this.headerCells) {
      if (!cell.hasAttribute('aria-sort')) continue;
      cell.setAttribute('aria-sort', id === columnId ? direction : 'none');
      const ind = cell.querySelector('.sort-indicator');
      if (ind) ind.textContent = id === columnId ? (direction === 'ascending' ? ' ▲' : ' ▼') : '';
    }
  }

  get scrollTop(): number {
    return this.el.scrollTop;
  }
  set scrollTop(v: number) {
    this.el.scrollTop = v;
    this.render();
  }

  select(index: number, scroll = true): void {
    if (this.count === 0) return;
    const i = Math.max(0, Math.min(this.count - 1, index));
    const prev = this.rows.get(this.selected);
    if (prev) {
      prev.classList.remove('selected');
      prev.setAttribute('aria-selected', 'false');
    }
    this.selected = i;
    if (scroll) this.scrollToIndex(i);
    const row = this.rows.get(i);
    if (row) {
      row.classList.add('selected');
      row.setAttribute('aria-selected', 'true');
    }
    this.updateActiveDescendant();
    this.opts.onSelect?.(i);
  }

  scrollToIndex(index: number, align: 'nearest' | 'center' = 'nearest'): void {
    const rh = this.opts.rowHeight;
    const headerH = this.header.offsetHeight;
    const viewH = Math.max(rh, this.el.clientHeight - headerH);
    const top = index * rh;
    const cur = this.el.scrollTop;
    let next = cur;
    if (align === 'center') next = top - viewH / 2 + rh / 2;
    else if (top < cur) next = top;
    else if (top + rh > cur + viewH) next = top + rh - viewH;
    if (next !== cur) this.el.scrollTop = Math.max(0, next);
    this.render();
  }

  focus(): void {
    this.el.focus({ preventScroll: true });
  }

  private updateActiveDescendant(): void {
    if (this.selected >= 0 && this.rows.has(this.selected)) this.el.setAttribute('aria-activedescendant', this.rowId(this.selected));
    else this.el.removeAttribute('aria-activedescendant');
  }

  private rowId(i: number): string {
    return `${this.id}-r${i}`;
  }

  private schedule(): void {
    if (this.framePending) return;
    this.framePending = true;
    requestAnimationFrame(() => {
      this.framePending = false;
      this.render();
    });
  }

  private pageSize(): number {
    return Math.max(1, Math.floor((this.el.clientHeight - this.header.offsetHeight) / this.opts.rowHeight) - 1);
  }

  /** Creates and removes rows so that exactly the window (plus overscan) exists. */
  render(): void {
    const rh = this.opts.rowHeight;
    const headerH = this.header.offsetHeight;
    const viewH = Math.max(this.el.clientHeight - headerH, rh * 10);
    const first = Math.max(0, Math.floor(this.el.scrollTop / rh) - this.overscan);
    const last = Math.min(this.count - 1, Math.ceil((this.el.scrollTop + viewH) / rh) + this.overscan);
    for (const [i, r] of this.rows) {
      if (i < first || i > last) {
        r.remove();
        this.rows.delete(i);
      }
    }
    const frag = document.createDocumentFragment();
    for (let i = first; i <= last; i++) {
      if (this.rows.has(i)) continue;
      const row = h('div', {
        class: i === this.selected ? 'vgrid-row selected' : 'vgrid-row',
        role: 'row',
        id: this.rowId(i),
        'aria-rowindex': i + 2,
        'aria-selected': i === this.selected ? 'true' : 'false',
        'data-row-index': i,
      });
      row.style.transform = `translateY(${i * rh}px)`;
      this.opts.renderRow(i, row);
      this.rows.set(i, row);
      frag.append(row);
    }
    this.body.append(frag);
    this.updateActiveDescendant();
  }

  private onKeyDown(e: KeyboardEvent): void {
    if (e.target !== this.el) return; // header buttons handle their own keys
    const cur = this.selected;
    let next: number | null = null;
    switch (e.key) {
      case 'ArrowDown':
        next = cur < 0 ? 0 : cur + 1;
        break;
      case 'ArrowUp':
        next = cur < 0 ? 0 : cur - 1;
        break;
      case 'PageDown':
        next = (cur < 0 ? 0 : cur) + this.pageSize();
        break;
      case 'PageUp':
        next = (cur < 0 ? 0 : cur) - this.pageSize();
        break;
      case 'Home':
        next = 0;
        break;
      case 'End':
        next = this.count - 1;
        break;
      case 'Enter':
      case ' ':
        if (cur >= 0) {
          this.opts.onActivate?.(cur);
          e.preventDefault();
        }
        return;
      default:
        if (cur >= 0 && this.opts.onKey?.(cur, e.key)) e.preventDefault();
        return;
    }
    e.preventDefault();
    if (this.count > 0) this.select(next);
  }
}
