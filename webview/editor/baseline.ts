/**
 * The comparison with a baseline (a saved report or another model; the CLI's `--baseline`): every figure before
 * and after, costlier changes marked, then the op types that changed and the settings that differ, and the layers
 * that changed most (a name reveals the layer in the table), in the same words the CLI prints
 * (src/core/render/baselineText.ts).
 */
import type { BaselineComparison } from '../../src/core/report/baseline';
import { BASELINE_HEADERS, baselineNodeHeaders, baselineNodeRows, baselineNodeSummary, baselineNotes, baselineRows, baselineTitle } from '../../src/core/render/baselineText';
import type { FromWebviewMessage } from '../../src/protocol/messages';
import { button, h } from '../components';

/** Op types, notes and layers listed under the table. */
const NOTES_SHOWN = 12;

export function baselineSection(c: BaselineComparison, post: (m: FromWebviewMessage) => void, revealNode: (index: number) => void): HTMLElement {
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
    ...layerChanges(c, revealNode),
  );
}

/** The layers that changed most: a layer still in the model is a button that reveals it in the layer table. */
function layerChanges(c: BaselineComparison, revealNode: (index: number) => void): HTMLElement[] {
  const summary = baselineNodeSummary(c, NOTES_SHOWN);
  if (!summary) return [];
  const rows = baselineNodeRows(c, NOTES_SHOWN);
  const nodes = c.nodes?.largest ?? [];
  const nameCell = (text: string, index: number | undefined) => {
    if (index === undefined) return text;
    const link = h('button', { type: 'button', class: 'link-button', title: 'Show this layer in the table' }, text);
    link.addEventListener('click', () => revealNode(index));
    return link;
  };
  const body = rows.map((cells, i) =>
    h(
      'tr',
      { 'data-kind': nodes[i].kind },
      h('th', { scope: 'row' }, nameCell(cells[0], nodes[i].index)),
      ...cells.slice(1).map((cell, col) => h('td', col >= 2 ? { class: 'num' } : undefined, cell)),
    ),
  );
  return [
    h('p', { class: 'baseline-layers-summary', 'data-testid': 'baseline-layers-summary' }, summary),
    ...(rows.length
      ? [
          h(
            'div',
            { class: 'table-wrap' },
            h(
              'table',
              { class: 'data-table baseline-layers', 'data-testid': 'baseline-layers' },
              h('thead', undefined, h('tr', undefined, ...baselineNodeHeaders(c).map((label, col) => h('th', col >= 3 ? { class: 'num', scope: 'col' } : { scope: 'col' }, label)))),
              h('tbody', undefined, ...body),
            ),
          ),
        ]
      : []),
  ];
}
