/**
 * The wide hardware comparison (an editor-area panel): every figure the side panel has and more, a column
 * per target and a row per figure, the targets sortable by any figure: latency, throughput, cost, energy, fit, chips and layout, memory
 * need and its parts, all-reduce time, power; the LLM serving figures for a decoder; bar charts; and the
 * same controls and what-if toggles as the side panel (they share one session).
 */
import type { ReportMessage } from '../../src/protocol/messages';
import { h, statusLine } from '../components';
import { CompareControls, savedChoice, type CompareChoice } from '../common/compareControls';
import { moeHeadline, tokensTouch } from '../../src/core/render/moeText';
import { ESTIMATE_RELATIVE, LLM_RELATIVE } from '../../src/core/render/relative';
import { columnsFor, ESTIMATE_COLUMNS, LLM_COLUMNS, relativeColumns } from '../common/figures';
import { figureChart, figureMatrix, type SortState } from '../common/figureTable';
import { percent } from '../common/format';
import { kvCacheSentence, phaseDimsSentence } from '../common/llm';
import { createHost } from '../vscodeApi';

interface CompareViewState extends CompareChoice {
  sortCol: string;
  sortDir: 'ascending' | 'descending';
  llmSortCol: string;
  llmSortDir: 'ascending' | 'descending';
}

const CHART_SIZE = { width: 380, labelWidth: 130, valueWidth: 80 };
const ESTIMATE_CHARTS: readonly [string, string][] = [
  ['latencySeconds', 'Latency (lower is better)'],
  ['throughputPerSecond', 'Inferences per second (higher is better)'],
  ['costPerMillionUsd', '$ per 1M inferences'],
  ['joulesPerInference', 'Joules per inference'],
  ['throughputPerChipPerSecond', 'Inferences per second per chip'],
  ['memoryNeededBytes', 'Memory need'],
];
const LLM_CHARTS: readonly [string, string][] = [
  ['tokensPerSecond', 'Output tokens/s (higher is better)'],
  ['costPerMillionTokensUsd', '$ per 1M output tokens'],
  ['timePerOutputTokenSeconds', 'Time per output token'],
];

const host = createHost<CompareViewState>('hardware-compare');
const saved = host.getState();
const sortOf = (col: unknown, dir: unknown): SortState => ({ col: typeof col === 'string' ? col : '', dir: dir === 'descending' ? 'descending' : 'ascending' });
const view = {
  sort: sortOf(saved.sortCol, saved.sortDir),
  llmSort: sortOf(saved.llmSortCol, saved.llmSortDir),
};

const root = document.getElementById('app') ?? document.body.appendChild(h('div', { id: 'app' }));
root.classList.add('hardware-compare');
const { el: statusEl, show: showStatus } = statusLine();
const controls = new CompareControls(host, savedChoice(saved), showStatus);
const headerEl = h('header', { class: 'view-header' }, h('h1', { class: 'view-title' }, 'Compare Hardware'));
const tableWrap = h('div', { class: 'table-wrap wide' });
const chartsEl = h('div', { class: 'compare-charts' });
const llmSummaryEl = h('p', { class: 'muted llm-summary' });
const llmTableWrap = h('div', { class: 'table-wrap wide' });
const llmChartsEl = h('div', { class: 'compare-charts' });
const llmEl = h(
  'section',
  { class: 'llm-serving', 'aria-label': 'LLM serving', 'data-testid': 'compare-llm', hidden: true },
  h('h2', { class: 'section-title' }, 'LLM serving'),
  llmSummaryEl,
  controls.llmControlsEl,
  llmTableWrap,
  llmChartsEl,
);
controls.pickerEl.classList.add('wide');
// The figures come first; the full catalog picker opens on demand.
const pickerSummary = h('summary', { 'data-testid': 'compare-picker-summary' }, 'Targets');
const pickerDetails = h('details', { class: 'picker-details' }, pickerSummary, controls.pickerEl);
root.replaceChildren(
  headerEl,
  h('div', { class: 'compare-top' }, controls.controlsEl, controls.moeControlsEl),
  pickerDetails,
  statusEl,
  controls.noticeEl,
  h('section', { 'aria-label': 'Estimates' }, h('h2', { class: 'section-title' }, 'Estimates per target'), tableWrap, chartsEl),
  llmEl,
  controls.whatIfEl,
);

function renderHeader(msg: ReportMessage): void {
  const file = msg.report.model.path.split(/[\\/]/).pop() || msg.report.model.path;
  const s = msg.settings;
  const applied = msg.estimates?.whatIf.applied ?? [];
  const batch = s.batch === 'max' ? 'batch max (per target)' : `batch ${msg.estimates?.batch ?? s.batch}`;
  const moe = msg.report.moe ? `MoE: ${moeHeadline(msg.report.moe)}, ${s.moeSkew ? `routing skew ${s.moeSkew}` : 'uniform routing'}` : '';
  const facts = [batch, s.chips ? `${s.chips} chips` : '', s.precision ? `precision ${s.precision}` : 'precision as in the model', moe, applied.length ? `what-if: ${applied.map((a) => a.id).join(', ')}` : ''].filter(Boolean);
  headerEl.replaceChildren(
    h('div', { class: 'title-block' }, h('h1', { class: 'view-title', title: msg.report.model.path, 'data-testid': 'compare-model' }, `Compare Hardware: ${file}`), h('div', { class: 'muted', 'data-testid': 'compare-facts' }, facts.join(' · '))),
  );
}

function renderEstimates(msg: ReportMessage): void {
  const list = msg.estimates?.targets ?? [];
  if (!list.length) {
    tableWrap.replaceChildren(h('p', { class: 'muted', 'data-testid': 'compare-empty' }, msg.estimates?.note ? `No estimates: ${msg.estimates.note}.` : 'No estimates yet. Pick targets.'));
    chartsEl.replaceChildren();
    return;
  }
  const binary = msg.settings.memoryUnit === 'binary';
  const relative = relativeColumns(list, ESTIMATE_RELATIVE);
  tableWrap.replaceChildren(
    figureMatrix({
      rows: list,
      columns: [...relative, ...columnsFor(ESTIMATE_COLUMNS, list)],
      binary,
      sort: view.sort,
      onSort: (next) => {
        view.sort = next;
        host.patchState({ sortCol: next.col, sortDir: next.dir });
        renderEstimates(msg);
      },
      testId: 'compare-table',
      rowTestId: 'compare-row',
      ariaLabel: 'Every estimate per hardware target',
      rowTitle: (t) => `${t.targetName} (${t.deviceClass}): ${percent(t.computeBoundFraction, 0)} of time compute-bound${t.notes.length ? ` · ${t.notes.join(' · ')}` : ''}`,
    }),
  );
  chartsEl.replaceChildren(...ESTIMATE_CHARTS.map(([field, title]) => figureChart(title, list, ESTIMATE_COLUMNS.find((c) => c.field === field)!, binary, CHART_SIZE, `compare-chart-${field}`)));
}

function renderLlm(msg: ReportMessage): void {
  const llm = msg.estimates?.llm;
  llmEl.hidden = !llm;
  if (!llm) {
    llmTableWrap.replaceChildren();
    llmChartsEl.replaceChildren();
    return;
  }
  llmSummaryEl.textContent = llmSummary(msg);
  if (!llm.estimates.length) {
    llmTableWrap.replaceChildren(h('p', { class: 'muted' }, llm.note ?? 'No LLM estimates yet.'));
    llmChartsEl.replaceChildren();
    return;
  }
  const relative = relativeColumns(llm.estimates, LLM_RELATIVE);
  llmTableWrap.replaceChildren(
    figureMatrix({
      rows: llm.estimates,
      columns: [...relative, ...columnsFor(LLM_COLUMNS, llm.estimates)],
      binary: false,
      sort: view.llmSort,
      onSort: (next) => {
        view.llmSort = next;
        host.patchState({ llmSortCol: next.col, llmSortDir: next.dir });
        renderLlm(msg);
      },
      testId: 'compare-llm-table',
      rowTestId: 'compare-llm-row',
      ariaLabel: 'LLM serving per hardware target',
      rowTitle: (t) => `${t.targetName}: ${t.fits ? 'fits on one chip' : `needs ${t.chipsNeeded} chips`}${t.notes.length ? ` · ${t.notes.join(' · ')}` : ''}`,
    }),
  );
  llmChartsEl.replaceChildren(...LLM_CHARTS.map(([field, title]) => figureChart(title, llm.estimates, LLM_COLUMNS.find((c) => c.field === field)!, false, CHART_SIZE, `compare-llm-chart-${field}`)));
}

/** The LLM section's first line: the request, and for an MoE model how many experts a decode step reads. */
function llmSummary(msg: ReportMessage): string {
  const llm = msg.estimates!.llm!;
  const moe = msg.report.moe;
  const step = llm.estimates.find((e) => e.decodeExpertsTouchedPerLayer != null)?.decodeExpertsTouchedPerLayer;
  const experts = moe && step != null ? ` In a decode step ${tokensTouch(llm.batch)} ${Number(step.toPrecision(3))} of ${moe.experts} experts per layer; the layout is the cheaper of tensor- and expert-parallel.` : '';
  const batch = llm.estimates.some((t) => t.serving) ? 'batch max (sequences and chips chosen per target)' : `batch ${llm.batch}`;
  return `Decoder with a KV cache (${llm.layers} layers), ${batch}: prefill of ${llm.promptTokens} prompt tokens, then ${llm.outputTokens} decode steps. $ and J are per output token.${kvCacheSentence(msg.settings.kvCache)}${experts}${phaseDimsSentence(msg.report)}`;
}

controls.listen((msg) => {
  const targets = msg.settings.targets;
  pickerSummary.textContent = targets.length ? `Targets: ${targets.join(', ')} (change…)` : 'Targets: none chosen (pick some…)';
  if (!targets.length) pickerDetails.open = true;
  renderHeader(msg);
  renderEstimates(msg);
  renderLlm(msg);
});
