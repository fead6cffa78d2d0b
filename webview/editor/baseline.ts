/**
 * The comparison with a baseline (a saved report or another model; the CLI's `--baseline`): every figure before
 * and after, costlier changes marked, then the op types that changed and the settings that differ, in the same
 * words the CLI prints (src/core/render/baselineText.ts).
 */
import type { BaselineComparison } from '../../src/core/report/baseline';
import { BASELINE_HEADERS, baselineNotes, baselineRows, baselineTitle } from '../../src/core/render/baselineText';
import type { FromWebviewMessage } from '../../src/protocol/messages';
import { button, h } from '../components';

/** Op types and notes listed under the table. */
const NOTES_SHOWN = 12;

export function baselineSection(c: BaselineComparison, post: (m: FromWebviewMessage) => void): HTMLElement {
  const rows = baselineRows(c);
  const body = c.changes.map((change, i) =>
    h(
      'tr',
      { class: change.worse ? 'worse' : change.change !== null && change.change !== 0 ? 'better' : '', 'data-metric': change.metric, 'data-target': change.target ?? '' },
      ...rows[i].map((cell, col) => h(col === 0 ? 'th' : 'td', col >= 2 ? { class: 'num', ...(col === 4 ? { 'data-field': 'change' } : {}) } : col === 0 ? { scope: 'row' } : undefined, cell)),
    ),
  );
  return h(
    'section',
    { class: 'baseline', 'aria-label': 'Against the baseline', 'data-testid': 'baseline' },
    h(
      'div',
      { class: 'panel-title-row' },
      h('h2', undefined, baselineTitle(c)),
      button({ label: 'Stop comparing', appearance: 'secondary', ariaLabel: 'Stop comparing with the baseline', testId: 'baseline-clear', onClick: () => post({ type: 'baseline/clear' }) }),
    ),
    h(
      'div',
      { class: 'table-wrap' },
      h('table', { class: 'data-table baseline-table' }, h('thead', undefined, h('tr', undefined, ...BASELINE_HEADERS.map((label, col) => h('th', col >= 2 ? { class: 'num', scope: 'col' } : { scope: 'col' }, label)))), h('tbody', undefined, ...body)),
    ),
    h('ul', { class: 'baseline-notes' }, ...baselineNotes(c, NOTES_SHOWN).map((line) => h('li', undefined, line))),
  );
}
