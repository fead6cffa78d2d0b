/** The profile view's charts: FLOPs by op type, time per layer on a target, and the roofline. */
import type { ProfileReport } from '../../src/core/report/reportTypes';
import { formatSeconds } from '../../src/core/report/units';
import { barChart, dropdown, h, rooflineChart } from '../components';
import { exact, formatScaled, num } from '../common/format';
import { MAX_ROOFLINE_POINTS, rooflineSeries } from '../common/roofline';
import { opLabel } from './layerItems';
import type { Model } from './model';

export interface ChartActions {
  /** A bar of the op-type chart was clicked. */
  filterOpType(opType: string): void;
  /** The time chart's target picker changed. */
  chooseTarget(target: string): void;
  /** A bar or a point was clicked: select that layer. */
  revealNode(index: number): void;
}

function chartCard(title: string, testId: string, ...content: (Node | string)[]): HTMLElement {
  return h('figure', { class: 'chart-card', 'data-testid': testId }, h('figcaption', { class: 'chart-title' }, title), ...content);
}

function opTypeChart(r: ProfileReport, actions: ChartActions): Element {
  const ops = [...r.opTypes].sort((a, b) => num(b.flops) - num(a.flops));
  const top = ops.slice(0, 12).filter((o) => num(o.flops) > 0);
  const rest = ops.slice(12).reduce((a, o) => a + num(o.flops), 0);
  const items = top.map((o, i) => ({ key: o.opType, label: opLabel(o), value: num(o.flops), valueLabel: `${formatScaled(o.flops, '')} (${(o.flopsShare * 100).toFixed(1)}%)`, className: `series-${i % 8}`, title: `${o.opType}: ${exact(o.flops)} FLOPs in ${o.count} node(s). Click to filter.` }));
  if (rest > 0) items.push({ key: '', label: 'other', value: rest, valueLabel: formatScaled(rest, ''), className: 'series-other', title: 'All other op types' });
  return items.length
    ? barChart({ ariaLabel: 'FLOPs by op type', items, testId: 'chart-optype', onClick: (it) => it.key && actions.filterOpType(it.key) })
    : h('p', { class: 'muted' }, 'No FLOPs counted yet (op coverage may be incomplete).');
}

/** The target picker, the latency line and the slowest layers on the target. */
function timeChart(m: Model, target: string, actions: ChartActions): (Node | string)[] {
  const est = m.estimates;
  const te = est?.target(target);
  if (!est || !te) return [h('p', { class: 'muted' }, 'No hardware estimates yet: pick targets in the Hardware panel.')];
  const targetDd = dropdown({ label: 'Target', options: est.targets.map((t) => ({ value: t.target, label: t.targetName })), value: target, testId: 'time-target', onChange: (v) => actions.chooseTarget(v) });
  const nodes = m.report.nodes;
  const times = est.nodeTimes(target);
  const timed = times.top('seconds', 15, (pos) => times.columns.seconds[pos] > 0).map((pos) => times.at(pos));
  const applied = (est.payload.whatIf.applied ?? []).filter((a) => a.targets.includes(target));
  return [
    targetDd.el,
    h(
      'div',
      { class: 'muted', 'data-testid': 'time-latency', 'data-target': target, 'data-value': te.latencySeconds },
      `Latency ${formatSeconds(te.latencySeconds)} · ${(te.computeBoundFraction * 100).toFixed(0)}% compute-bound${applied.length ? ` · what-if: ${applied.map((a) => a.id).join(', ')}` : ''}`,
    ),
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
          onClick: (it) => actions.revealNode(Number(it.key)),
        })
      : h('p', { class: 'muted' }, 'No per-layer times in the estimates.'),
  ];
}

/** The roofline card: a point per kernel (those with most FLOPs) on the target, every compared target's roof. */
function rooflineCard(m: Model, target: string, actions: ChartActions): HTMLElement {
  const series = rooflineSeries(m.report.nodes, m.estimates, target);
  const hasRoofs = series.roofs.length > 0;
  const chart = series.points.length
    ? rooflineChart({
        ariaLabel: hasRoofs ? 'Roofline: each kernel at its own intensity and achieved FLOP/s on the target, against each target\'s roof' : 'Layers by arithmetic intensity',
        points: series.points,
        roofs: series.roofs,
        testId: 'chart-roofline',
        formatY: (v) => formatScaled(v, ''),
        onPointClick: (k) => actions.revealNode(k),
      })
    : h('p', { class: 'muted' }, 'No layer has both FLOPs and bytes yet.');
  const notes: HTMLElement[] = [];
  if (hasRoofs) notes.push(h('div', { class: 'muted' }, 'Points: each kernel the estimator runs on the target (a layer, or the layers fused into one), its FLOPs over its bytes moved and over its time, after fusion and the run precision; roofs: the fastest rate and the bandwidth the estimator allows.'));
  if (series.candidates > MAX_ROOFLINE_POINTS) notes.push(h('div', { class: 'muted' }, `Showing the ${MAX_ROOFLINE_POINTS} with most FLOPs of ${series.candidates}.`));
  return chartCard(hasRoofs ? `Roofline (points: ${target})` : 'Arithmetic intensity (no estimates: intensity axis only)', 'card-roofline', chart, ...notes);
}

export function charts(m: Model, target: string, actions: ChartActions): HTMLElement[] {
  return [chartCard('FLOPs by op type', 'card-optype', opTypeChart(m.report, actions)), chartCard('Time per layer', 'card-time', ...timeChart(m, target, actions)), rooflineCard(m, target, actions)];
}
