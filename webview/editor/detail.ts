/** The detail pane of one layer: its figures, inputs and outputs, notes, time per target and hints. */
import type { NodeReport } from '../../src/core/report/reportTypes';
import { formatSeconds, formatShape } from '../../src/core/report/units';
import { button, h, rowBadge } from '../components';
import { bytes, exact, formatScaled } from '../common/format';
import { badgeSeverity, savingText } from '../common/hints';
import { opLabel } from './layerItems';
import type { Model } from './model';

function field(label: string, value: string | Node, testKey?: string): HTMLElement[] {
  const dd = h('dd', { 'data-field': testKey });
  dd.append(value);
  return [h('dt', undefined, label), dd];
}

function list(items: readonly (string | Node)[], empty = '—'): string | HTMLElement {
  if (!items.length) return empty;
  const ul = h('ul', { class: 'plain-list' });
  for (const x of items) ul.append(h('li', undefined, x));
  return ul;
}

/** The pane's content for node `n`; `onClose` is the close button's action. */
export function detailContent(model: Model, n: NodeReport, onClose: () => void): Node[] {
  const binary = model.binary;
  const close = button({ label: '✕', appearance: 'icon', ariaLabel: 'Close details', onClick: onClose, testId: 'detail-close' });
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
  add('Inputs', list(n.inputs.map((i) => i || '(optional, empty)')), 'inputs');
  add('Outputs', list(n.outputs.map((o) => h('span', undefined, h('span', { class: 'mono' }, o.name), ` ${o.dtype} ${formatShape(o.shape)}`))), 'outputs');
  if (n.notes.length) add('Notes', list(n.notes), 'notes');
  const est = model.estimates;
  if (est?.targets.length) {
    add('Estimated time', list(est.targets.map((t) => {
      const times = est.nodeTimes(t.target);
      const nt = times.get(n.index);
      const line = h('span', undefined, `${t.targetName}: ${nt ? `${formatSeconds(nt.seconds)} (${nt.bound}-bound)` : '—'}`);
      // Why the time is what it is on this target: a fallback precision, the vector units, a narrow group's fill.
      const notes = times.notes(n.index);
      if (notes.length) line.append(h('div', { class: 'muted time-notes', 'data-testid': 'time-notes' }, notes.join('; ')));
      return line;
    })), 'times');
  }
  const hints = model.hintsByNode.get(n.index) ?? [];
  const hintList = h('ul', { class: 'hint-list' });
  for (const x of hints) {
    const li = h('li', { class: `hint sev-${x.severity}` }, rowBadge(x.severity, badgeSeverity(x.severity), x.code), ' ', h('strong', undefined, x.id), ': ', x.message);
    if (x.explanation) li.append(h('div', { class: 'hint-explanation muted' }, x.explanation));
    if (x.savings.length) li.append(h('div', { class: 'hint-savings' }, x.savings.map((sv) => `${sv.target} ${savingText(sv)}`).join(' · ')));
    hintList.append(li);
  }
  return [
    h('div', { class: 'detail-header' }, h('h3', { class: 'detail-title', 'data-testid': 'detail-title' }, n.name || '(unnamed)'), close),
    dl,
    h('h4', undefined, `Hints (${hints.length})`),
    hints.length ? hintList : h('p', { class: 'muted' }, 'No hints for this layer.'),
  ];
}
