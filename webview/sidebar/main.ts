/**
 * The Hardware side panel, the quick view: pick targets, batch and precision; latency, $/1M and fit per
 * target as a table, latency, $/1M and joules as bar charts; what-if toggles for the hints; for a decoder with a
 * KV cache, an "LLM serving" section. "Open wide comparison" shows every figure in the editor area.
 */
import type { ReportMessage } from '../../src/protocol/messages';
import { button, h, statusLine } from '../components';
import { CompareControls, savedChoice, type CompareChoice } from '../common/compareControls';
import { expertsTouchedText, layoutText } from '../../src/core/render/moeText';
import { ESTIMATE_RELATIVE, relativeLine } from '../../src/core/render/relative';
import { kvCacheUnboundNote } from '../../src/core/render/text';
import { columnsFor, ESTIMATE_COLUMNS, LLM_COLUMNS, PANEL_FIELDS, PANEL_LLM_FIELDS, PANEL_LLM_SERVING_FIELDS, PANEL_SERVING_FIELDS, servingLimitText } from '../common/figures';
import { figureChart, figureTable, type SortState } from '../common/figureTable';
import { percent } from '../common/format';
import { kvCacheSentence, phaseDimsSentence } from '../common/llm';
import { createHost } from '../vscodeApi';

interface SidebarState extends CompareChoice {
  sortCol: string;
  sortDir: 'ascending' | 'descending';
}

/** The panel's columns, in the order `fields` lists them. */
const pick = <T extends { readonly field: string }>(columns: readonly T[], fields: readonly string[]): T[] => fields.map((f) => columns.find((c) => c.field === f)!);
const COLUMNS = pick(ESTIMATE_COLUMNS, PANEL_FIELDS);
const SERVING_COLUMNS = pick(ESTIMATE_COLUMNS, PANEL_SERVING_FIELDS);
const LLM_PANEL_COLUMNS = pick(LLM_COLUMNS, PANEL_LLM_FIELDS);
const LLM_SERVING_COLUMNS = pick(LLM_COLUMNS, PANEL_LLM_SERVING_FIELDS);
const CHART_SIZE = { width: 300, labelWidth: 110, valueWidth: 70 };

const host = createHost<SidebarState>('hardware-panel');
const saved = host.getState();
let sort: SortState = { col: typeof saved.sortCol === 'string' ? saved.sortCol : '', dir: saved.sortDir === 'descending' ? 'descending' : 'ascending' };
let last: ReportMessage | null = null;

const root = document.getElementById('app') ?? document.body.appendChild(h('div', { id: 'app' }));
root.classList.add('hardware-panel');
document.body.classList.add('hardware-body');
const { el: statusEl, show: showStatus } = statusLine();
const controls = new CompareControls(host, savedChoice(saved), showStatus);
const tableWrap = h('div', { class: 'table-wrap' });
const chartsEl = h('div', { class: 'sidebar-charts' });
const llmSummaryEl = h('p', { class: 'muted llm-summary' });
const llmTableWrap = h('div', { class: 'table-wrap' });
const llmChartEl = h('div', { class: 'sidebar-charts' });
const llmEl = h(
  'section',
  { class: 'llm-serving', 'aria-label': 'LLM serving', 'data-testid': 'llm-section', hidden: true },
  h('h3', { class: 'subsection-title' }, 'LLM serving'),
  llmSummaryEl,
  controls.llmControlsEl,
  llmTableWrap,
  llmChartEl,
);
const wide = button({ label: 'Open wide comparison', appearance: 'secondary', testId: 'open-compare', ariaLabel: 'Open the wide hardware comparison in the editor area', onClick: () => host.post({ type: 'compare/open' }) });
root.replaceChildren(
  h('div', { class: 'panel-title-row' }, h('h2', { class: 'section-title' }, 'Hardware compare'), wide),
  controls.controlsEl,
  controls.moeControlsEl,
  controls.pickerEl,
  statusEl,
  controls.noticeEl,
  llmEl,
  h('h3', { class: 'subsection-title' }, 'Estimates'),
  tableWrap,
  chartsEl,
  controls.whatIfEl,
);

function renderEstimates(msg: ReportMessage | null): void {
  const list = msg?.estimates?.targets ?? [];
  if (!list.length) {
    tableWrap.replaceChildren(h('p', { class: 'muted', 'data-testid': 'hardware-table-empty' }, msg?.estimates?.note ? `No estimates: ${msg.estimates.note}.` : 'No estimates yet. Pick targets and press Compare.'));
    chartsEl.replaceChildren();
    return;
  }
  const binary = msg!.settings.memoryUnit === 'binary';
  const notTimed = list.find((t) => t.notEstimatedNodes > 0);
  const kvNote = kvCacheUnboundNote(list);
  const relative = relativeLine(list, ESTIMATE_RELATIVE);
  tableWrap.replaceChildren(
    figureTable({
      rows: list,
      columns: list.some((t) => t.serving) ? SERVING_COLUMNS : COLUMNS,
      binary,
      sort,
      onSort: (next) => {
        sort = next;
        host.patchState({ sortCol: next.col, sortDir: next.dir });
        renderEstimates(last);
      },
      testId: 'hardware-table',
      rowTestId: 'estimate-row',
      ariaLabel: 'Estimates per hardware target',
      rowTitle: (t) => `${t.targetName}: ${percent(t.computeBoundFraction, 0)} of time compute-bound, ${t.chips} chip(s)${t.serving ? `, batch limited by ${servingLimitText(t.serving)}` : ''}`,
    }),
    ...(relative ? [h('p', { class: 'muted', 'data-testid': 'relative-note' }, relative)] : []),
    ...(notTimed ? [h('p', { class: 'muted' }, `${notTimed.notEstimatedNodes} layer(s) have no cost rule: figures are lower bounds.`)] : []),
    ...(kvNote ? [h('p', { class: 'muted', 'data-testid': 'kv-unbound-note' }, kvNote)] : []),
    ...moeLines(list),
  );
  const column = (field: string) => ESTIMATE_COLUMNS.find((c) => c.field === field)!;
  chartsEl.replaceChildren(
    figureChart('Latency (lower is better)', list, column('latencySeconds'), binary, CHART_SIZE, 'hw-chart-latency'),
    figureChart('$ per 1M inferences', list, column('costPerMillionUsd'), binary, CHART_SIZE, 'hw-chart-cost'),
    figureChart('Joules per inference', list, column('joulesPerInference'), binary, CHART_SIZE, 'hw-chart-joules'),
  );
}

/** For an MoE model: per target, the layout and the experts one call touches. */
function moeLines(list: NonNullable<ReportMessage['estimates']>['targets']): HTMLElement[] {
  const rows = list.filter((t) => t.moe);
  if (!rows.length) return [];
  return [
    h(
      'ul',
      { class: 'plain-list compact muted', 'data-testid': 'moe-serving', 'aria-label': 'MoE serving per target' },
      ...rows.map((t) => h('li', { 'data-target': t.target }, `${t.target}: ${layoutText(t)}, ${expertsTouchedText(t.moe!)}`)),
    ),
  ];
}

function renderLlm(msg: ReportMessage | null): void {
  const llm = msg?.estimates?.llm;
  llmEl.hidden = !llm;
  if (!llm) {
    llmTableWrap.replaceChildren();
    llmChartEl.replaceChildren();
    return;
  }
  const serving = llm.estimates.some((t) => t.serving);
  const step = llm.estimates.find((e) => e.decodeExpertsTouchedPerLayer != null)?.decodeExpertsTouchedPerLayer;
  const moe = msg?.report.moe;
  llmSummaryEl.textContent =
    `Decoder with a KV cache (${llm.layers} layers), ${serving ? 'batch max (sequences and chips chosen per target)' : `batch ${llm.batch}`}: prefill of ${llm.promptTokens} prompt tokens, then ${llm.outputTokens} decode steps. $ and J are per output token.` +
    kvCacheSentence(msg?.settings.kvCache) +
    (moe && step != null ? ` MoE: a decode step touches ${Number(step.toPrecision(3))} of ${moe.experts} experts per layer.` : '') +
    (msg ? phaseDimsSentence(msg.report) : '');
  if (!llm.estimates.length) {
    llmTableWrap.replaceChildren(h('p', { class: 'muted', 'data-testid': 'llm-table-empty' }, llm.note ?? 'No LLM estimates yet. Pick targets and press Compare.'));
    llmChartEl.replaceChildren();
    return;
  }
  llmTableWrap.replaceChildren(
    figureTable({
      rows: llm.estimates,
      columns: columnsFor(serving ? LLM_SERVING_COLUMNS : LLM_PANEL_COLUMNS, llm.estimates),
      binary: false,
      testId: 'llm-table',
      rowTestId: 'llm-row',
      ariaLabel: 'LLM serving per hardware target',
      rowTitle: (t) => `${t.targetName}: ${t.fits ? 'fits on one chip' : `needs ${t.chipsNeeded} chips`}${t.notes.length ? ` · ${t.notes.join(' · ')}` : ''}`,
    }),
    ...(!serving && llm.estimates.some((t) => !t.fits) ? [h('p', { class: 'muted' }, 'Chips > 1: the weights and KV cache do not fit on one device; TP: tensor-parallel, EP: expert-parallel (MoE), the cheaper that fits.')] : []),
    ...(serving ? [h('p', { class: 'muted' }, 'Layout: copies × the layout of one copy (TP tensor-parallel, EP expert-parallel); throughput per chip counts every chip of the deployment.')] : []),
  );
  llmChartEl.replaceChildren(figureChart('Output tokens/s (higher is better)', llm.estimates, LLM_COLUMNS.find((c) => c.field === 'tokensPerSecond')!, false, CHART_SIZE, 'llm-chart-tokens'));
}

renderEstimates(null);
controls.listen((msg) => {
  last = msg;
  renderLlm(msg);
  renderEstimates(msg);
});
