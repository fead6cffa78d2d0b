/**
 * Charts as inline SVG built element by element (no remote libraries, no innerHTML). Colours come from
 * CSS classes (`series-N`, `roof-N`) mapped to --vscode-charts-* variables in media/webview.css.
 */
import { s } from './dom';

export interface BarItem {
  readonly label: string;
  readonly value: number;
  readonly valueLabel: string;
  readonly title?: string;
  /** Extra class for the bar (e.g. `series-2`, `best`). */
  readonly className?: string;
  readonly key?: string;
}

export interface BarChartOptions {
  readonly ariaLabel: string;
  readonly items: readonly BarItem[];
  readonly width?: number;
  readonly barHeight?: number;
  readonly labelWidth?: number;
  readonly valueWidth?: number;
  readonly onClick?: (item: BarItem) => void;
  readonly testId?: string;
  /** Keep the end of long labels (`…/mlp/MatMul_3`) instead of the start. */
  readonly truncateStart?: boolean;
}

function truncate(text: string, max: number, fromStart = false): string {
  if (text.length <= max) return text;
  return fromStart ? `…${text.slice(text.length - Math.max(1, max - 1))}` : `${text.slice(0, Math.max(1, max - 1))}…`;
}

/** Horizontal bars, one per item, scaled to the largest value. */
export function barChart(o: BarChartOptions): SVGSVGElement {
  const width = o.width ?? 420;
  const bh = o.barHeight ?? 18;
  const gap = 4;
  const labelW = o.labelWidth ?? 130;
  const valueW = o.valueWidth ?? 80;
  const plotW = Math.max(40, width - labelW - valueW - 8);
  const height = Math.max(bh, o.items.length * (bh + gap));
  const svg = s('svg', {
    class: 'chart bar-chart',
    role: 'img',
    'aria-label': o.ariaLabel,
    viewBox: `0 0 ${width} ${height}`,
    width,
    height,
    'data-testid': o.testId,
  });
  svg.append(s('title', undefined, o.ariaLabel));
  const max = Math.max(...o.items.map((i) => (Number.isFinite(i.value) ? i.value : 0)), 0);
  o.items.forEach((item, idx) => {
    const y = idx * (bh + gap);
    const g = s('g', { class: `bar ${o.onClick ? 'clickable' : ''}`, 'data-key': item.key });
    const w = max > 0 && Number.isFinite(item.value) ? Math.max(1, (item.value / max) * plotW) : 0;
    g.append(
      s('title', undefined, item.title ?? `${item.label}: ${item.valueLabel}`),
      s('text', { class: 'bar-label', x: labelW - 6, y: y + bh / 2, 'text-anchor': 'end', 'dominant-baseline': 'central' }, truncate(item.label, Math.floor(labelW / 6.2), o.truncateStart)),
      s('rect', { class: `bar-rect ${item.className ?? 'series-0'}`, x: labelW, y, width: w, height: bh, rx: 2 }),
      s('text', { class: 'bar-value', x: labelW + w + 4, y: y + bh / 2, 'dominant-baseline': 'central' }, item.valueLabel),
    );
    if (o.onClick) g.addEventListener('click', () => o.onClick?.(item));
    svg.append(g);
  });
  return svg;
}

export interface RooflinePoint {
  /** Arithmetic intensity, FLOP per byte. */
  readonly x: number;
  /** Achieved FLOP/s on the selected target, or null when not estimated. */
  readonly y: number | null;
  readonly label: string;
  readonly key: number;
  readonly className?: string;
}

export interface RooflineRoof {
  readonly label: string;
  /** Target id, written to the roof's data-target. */
  readonly key?: string;
  /** The roof of the target whose points are drawn: drawn heavier. */
  readonly selected?: boolean;
  readonly peakFlopsPerSecond: number;
  readonly bandwidthBytesPerSecond: number;
}

export interface RooflineOptions {
  readonly ariaLabel: string;
  readonly points: readonly RooflinePoint[];
  readonly roofs: readonly RooflineRoof[];
  readonly width?: number;
  readonly height?: number;
  readonly onPointClick?: (key: number) => void;
  readonly testId?: string;
  readonly formatY: (v: number) => string;
}

const log10 = Math.log10;

function powersBetween(lo: number, hi: number): number[] {
  const out: number[] = [];
  for (let e = Math.ceil(log10(lo)); e <= Math.floor(log10(hi)); e++) out.push(10 ** e);
  return out;
}

function expLabel(v: number): string {
  const e = Math.round(log10(v));
  if (e >= -2 && e <= 3) return String(v);
  return `1e${e}`;
}

/**
 * Log-log roofline: x = arithmetic intensity, y = achieved FLOP/s; each roof is min(peak, AI × bandwidth).
 * With no roofs and no y values the layers are drawn as a strip along the intensity axis only.
 */
export function rooflineChart(o: RooflineOptions): SVGSVGElement {
  const legendW = o.roofs.length ? 130 : 0;
  const width = (o.width ?? 560) + legendW;
  const height = o.height ?? 320;
  const m = { left: 70, right: 16 + legendW, top: 14, bottom: 40 };
  const pw = width - m.left - m.right;
  const ph = height - m.top - m.bottom;
  const svg = s('svg', { class: 'chart roofline', role: 'img', 'aria-label': o.ariaLabel, viewBox: `0 0 ${width} ${height}`, width, height, 'data-testid': o.testId });
  svg.append(s('title', undefined, o.ariaLabel));

  const xs = o.points.map((p) => p.x).filter((x) => x > 0 && Number.isFinite(x));
  const ridges = o.roofs.filter((r) => r.bandwidthBytesPerSecond > 0).map((r) => r.peakFlopsPerSecond / r.bandwidthBytesPerSecond);
  let xMin = Math.min(...xs, ...ridges, 1);
  let xMax = Math.max(...xs, ...ridges, 10);
  xMin = 10 ** Math.floor(log10(Math.max(xMin, 1e-4)));
  xMax = 10 ** Math.ceil(log10(Math.min(Math.max(xMax, xMin * 10), 1e7)));
  const stripOnly = o.roofs.length === 0 && o.points.every((p) => p.y === null);
  const ys = o.points.map((p) => p.y).filter((y): y is number => y !== null && y > 0 && Number.isFinite(y));
  const peaks = o.roofs.map((r) => r.peakFlopsPerSecond).filter((v) => v > 0);
  const roofAtMin = o.roofs.map((r) => Math.min(r.peakFlopsPerSecond, xMin * r.bandwidthBytesPerSecond)).filter((v) => v > 0);
  let yMin = 10 ** Math.floor(log10(Math.min(...ys, ...roofAtMin, ...(peaks.length ? [Math.min(...peaks) / 1e3] : [1e9]))));
  let yMax = 10 ** Math.ceil(log10(Math.max(...ys, ...peaks, yMin * 10) * 1.5));
  if (!Number.isFinite(yMin) || yMin <= 0) yMin = 1e6;
  if (!Number.isFinite(yMax) || yMax <= yMin) yMax = yMin * 1e6;

  const X = (x: number) => m.left + ((log10(x) - log10(xMin)) / (log10(xMax) - log10(xMin))) * pw;
  const Y = (y: number) => m.top + ph - ((log10(y) - log10(yMin)) / (log10(yMax) - log10(yMin))) * ph;

  const axes = s('g', { class: 'axes' });
  for (const t of powersBetween(xMin, xMax)) {
    const x = X(t);
    axes.append(s('line', { class: 'grid-line', x1: x, x2: x, y1: m.top, y2: m.top + ph }), s('text', { class: 'tick', x, y: m.top + ph + 14, 'text-anchor': 'middle' }, expLabel(t)));
  }
  if (!stripOnly) {
    for (const t of powersBetween(yMin, yMax)) {
      const y = Y(t);
      axes.append(s('line', { class: 'grid-line', x1: m.left, x2: m.left + pw, y1: y, y2: y }), s('text', { class: 'tick', x: m.left - 4, y, 'text-anchor': 'end', 'dominant-baseline': 'central' }, o.formatY(t)));
    }
  }
  axes.append(
    s('line', { class: 'axis', x1: m.left, x2: m.left + pw, y1: m.top + ph, y2: m.top + ph }),
    s('line', { class: 'axis', x1: m.left, x2: m.left, y1: m.top, y2: m.top + ph }),
    s('text', { class: 'axis-label', x: m.left + pw / 2, y: height - 6, 'text-anchor': 'middle' }, 'Arithmetic intensity (FLOP/byte, log)'),
    s('text', { class: 'axis-label', x: 12, y: m.top + ph / 2, 'text-anchor': 'middle', transform: `rotate(-90 12 ${m.top + ph / 2})` }, stripOnly ? 'Layers' : 'FLOP/s (log)'),
  );
  svg.append(axes);

  o.roofs.forEach((r, i) => {
    if (!(r.peakFlopsPerSecond > 0 && r.bandwidthBytesPerSecond > 0)) return;
    const ridge = r.peakFlopsPerSecond / r.bandwidthBytesPerSecond;
    const x0 = Math.max(xMin, yMin / r.bandwidthBytesPerSecond);
    const pts: [number, number][] = [[x0, x0 * r.bandwidthBytesPerSecond]];
    if (ridge > x0 && ridge < xMax) pts.push([ridge, r.peakFlopsPerSecond]);
    pts.push([xMax, Math.min(r.peakFlopsPerSecond, xMax * r.bandwidthBytesPerSecond)]);
    const d = pts.map(([x, y], k) => `${k === 0 ? 'M' : 'L'}${X(x).toFixed(1)},${Y(Math.max(y, yMin)).toFixed(1)}`).join(' ');
    const g = s('g', { class: `roof roof-${i % 8}${r.selected ? ' selected' : ''}`, 'data-target': r.key, 'data-peak': r.peakFlopsPerSecond, 'data-bandwidth': r.bandwidthBytesPerSecond });
    g.append(s('title', undefined, `${r.label}: peak ${o.formatY(r.peakFlopsPerSecond)}FLOP/s, ridge at ${ridge.toFixed(1)} FLOP/B`), s('path', { class: 'roof-line', d }));
    // Legend entry in the right-hand column (labels on the lines collide when peaks are close).
    const ly = m.top + 6 + i * 16;
    const lx = m.left + pw + 12;
    g.append(s('line', { class: 'roof-line', x1: lx, x2: lx + 16, y1: ly, y2: ly }), s('text', { class: 'roof-label', x: lx + 20, y: ly, 'dominant-baseline': 'central' }, truncate(r.label, 18)));
    svg.append(g);
  });

  const pointsG = s('g', { class: 'points' });
  o.points.forEach((p, i) => {
    if (!(p.x > 0) || !Number.isFinite(p.x)) return;
    let cy: number;
    if (p.y !== null && p.y > 0) cy = Y(p.y);
    else if (stripOnly) cy = m.top + ph * (0.15 + 0.7 * (((i * 2654435761) >>> 0) % 1000) / 1000);
    else cy = m.top + ph - 4; // not estimated: on the x axis
    // data-x / data-y: the plotted values themselves, for tests and tooltips.
    const c = s('circle', { class: `point ${p.className ?? ''}`, cx: X(Math.min(Math.max(p.x, xMin), xMax)).toFixed(1), cy: cy.toFixed(1), r: 3, 'data-key': p.key, 'data-x': p.x, 'data-y': p.y ?? undefined });
    c.append(s('title', undefined, `${p.label}: ${p.x.toPrecision(3)} FLOP/B${p.y ? `, ${o.formatY(p.y)}FLOP/s` : ''}`));
    pointsG.append(c);
  });
  if (o.onPointClick) {
    pointsG.addEventListener('click', (e) => {
      const k = (e.target as Element).getAttribute('data-key');
      if (k !== null) o.onPointClick?.(Number(k));
    });
  }
  svg.append(pointsG);
  return svg;
}
