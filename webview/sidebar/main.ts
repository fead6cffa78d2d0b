/**
 * The hardware side panel: pick targets, batch and precision; a table of latency, throughput, $/1M,
 * joules and fit per target; SVG bar charts; what-if toggles for hints. For a decoder with a KV cache,
 * an "LLM serving" section (prompt/generated tokens; time to first token, time per output token,
 * tokens/s, $ and J per output token, chips). Posts 'hardware/compare'.
 */
import type { ReportMessage, CatalogEntrySummary } from '../../src/protocol/messages';
import { formatSeconds } from '../../src/core/report/units';
import { barChart, button, checkbox, dropdown, h, statusLine, textField, type CheckboxHandle, type FieldHandle } from '../components';
import { compactJoules, compactSeconds, formatScaled, joules, percent, sig3, usd } from '../common/format';
import { normalizeEstimates, type EstimatesView, type TargetEstimateView } from '../common/estimates';
import { normalizeHints, type HintView } from '../common/hints';
import { parseTokenCount, readLlm, type LlmEstimatePayload, type LlmPayload } from '../common/llm';
import { LLM_DEFAULT_OUTPUT_TOKENS, LLM_DEFAULT_PROMPT_TOKENS, isTokenCount } from '../../src/protocol/messages';
import { DEFAULT_TARGETS, FALLBACK_CATALOG, PRECISIONS } from '../common/targets';
import { createHost } from '../vscodeApi';

interface SidebarState {
  targets: string[];
  batch: number;
  precision: string;
  whatIf: Record<string, boolean>;
  sortCol: string;
  sortDir: 'ascending' | 'descending';
  promptTokens: number;
  outputTokens: number;
}

const host = createHost<SidebarState>('hardware-panel');
const saved = host.getState();
const ui: SidebarState = {
  targets: Array.isArray(saved.targets) ? saved.targets.filter((x): x is string => typeof x === 'string') : [...DEFAULT_TARGETS],
  batch: typeof saved.batch === 'number' && saved.batch > 0 ? saved.batch : 1,
  precision: typeof saved.precision === 'string' ? saved.precision : '',
  whatIf: typeof saved.whatIf === 'object' && saved.whatIf !== null ? { ...saved.whatIf } : {},
  sortCol: typeof saved.sortCol === 'string' ? saved.sortCol : '',
  sortDir: saved.sortDir === 'descending' ? 'descending' : 'ascending',
  promptTokens: isTokenCount(saved.promptTokens) ? saved.promptTokens : LLM_DEFAULT_PROMPT_TOKENS,
  outputTokens: isTokenCount(saved.outputTokens) ? saved.outputTokens : LLM_DEFAULT_OUTPUT_TOKENS,
};
const persist = (patch: Partial<SidebarState>) => {
  Object.assign(ui, patch);
  host.patchState(patch);
};

let catalog: readonly CatalogEntrySummary[] = FALLBACK_CATALOG;
let estimates: EstimatesView | null = null;
let hints: HintView[] = [];
/** LLM serving figures; null unless the model is a decoder with a KV cache. */
let llm: LlmPayload | null = null;

const root = document.getElementById('app') ?? document.body.appendChild(h('div', { id: 'app' }));
root.classList.add('hardware-panel');
const { el: statusEl, show: showStatus } = statusLine();
const errorEl = h('div', { class: 'error-bar', role: 'alert', hidden: true });
const pickerEl = h('fieldset', { class: 'target-picker', 'data-testid': 'target-picker' });
const controlsEl = h('div', { class: 'compare-controls' });
const tableWrap = h('div', { class: 'table-wrap' });
const chartsEl = h('div', { class: 'sidebar-charts' });
const whatIfEl = h('section', { class: 'what-if', 'aria-label': 'What-if hints' });
const llmControlsEl = h('div', { class: 'compare-controls llm-controls' });
const llmSummaryEl = h('p', { class: 'muted llm-summary' });
const llmTableWrap = h('div', { class: 'table-wrap' });
const llmChartEl = h('div', { class: 'sidebar-charts' });
const llmEl = h(
  'section',
  { class: 'llm-serving', 'aria-label': 'LLM serving', 'data-testid': 'llm-section', hidden: true },
  h('h3', { class: 'subsection-title' }, 'LLM serving'),
  llmSummaryEl,
  llmControlsEl,
  llmTableWrap,
  llmChartEl,
);
root.replaceChildren(
  h('h2', { class: 'section-title' }, 'Hardware compare'),
  controlsEl,
  pickerEl,
  statusEl,
  errorEl,
  llmEl,
  h('h3', { class: 'subsection-title' }, 'Estimates'),
  tableWrap,
  chartsEl,
  whatIfEl,
);

//#region controls
let postTimer: number | undefined;
function postCompare(immediate = false): void {
  window.clearTimeout(postTimer);
  const send = () => {
    const whatIf = Object.keys(ui.whatIf).length ? ui.whatIf : undefined;
    // Token counts only for a decoder: other models post exactly what they did before.
    const tokens = llm ? { promptTokens: ui.promptTokens, outputTokens: ui.outputTokens } : {};
    const ok = host.post({ type: 'hardware/compare', targets: ui.targets, batch: ui.batch, ...(ui.precision ? { precision: ui.precision } : {}), ...(whatIf ? { whatIf } : {}), ...tokens });
    if (ok) showStatus('Estimating…', true);
  };
  if (immediate) send();
  else postTimer = window.setTimeout(send, 250);
}

let batchField: FieldHandle;
function buildControls(): void {
  batchField = textField({
    label: 'Batch',
    value: String(ui.batch),
    numeric: true,
    size: 6,
    testId: 'batch-input',
    onInput: (v) => {
      const n = /^\d+$/.test(v.trim()) ? Number(v.trim()) : NaN;
      if (Number.isSafeInteger(n) && n >= 1 && n <= 1 << 20) {
        batchField.setInvalid(null);
        persist({ batch: n });
        postCompare();
      } else batchField.setInvalid('Batch must be an integer from 1 to 1048576');
    },
  });
  const precision = dropdown({
    label: 'Precision',
    options: PRECISIONS,
    value: ui.precision,
    testId: 'precision-select',
    onChange: (v) => {
      persist({ precision: v });
      postCompare();
    },
  });
  const compare = button({ label: 'Compare', appearance: 'primary', testId: 'compare-apply', ariaLabel: 'Compare the selected targets', onClick: () => postCompare(true) });
  controlsEl.replaceChildren(batchField.el, precision.el, compare);
}

let promptField: FieldHandle;
let outputField: FieldHandle;
function buildLlmControls(): void {
  const tokenField = (label: string, what: string, testId: string, key: 'promptTokens' | 'outputTokens'): FieldHandle => {
    const f: FieldHandle = textField({
      label,
      value: String(ui[key]),
      numeric: true,
      size: 8,
      testId,
      onInput: (v) => {
        const r = parseTokenCount(v, what);
        if (r.ok) {
          f.setInvalid(null);
          persist({ [key]: r.value });
          postCompare();
        } else f.setInvalid(r.reason);
      },
    });
    return f;
  };
  promptField = tokenField('Prompt tokens', 'Prompt tokens', 'llm-prompt-input', 'promptTokens');
  outputField = tokenField('Generated tokens', 'Generated tokens', 'llm-generate-input', 'outputTokens');
  llmControlsEl.replaceChildren(promptField.el, outputField.el);
}

const targetBoxes = new Map<string, CheckboxHandle>();
function buildPicker(): void {
  targetBoxes.clear();
  const legend = h('legend', undefined, `Targets (${ui.targets.length} selected)`);
  const groups: [string, string][] = [
    ['gpu', 'GPUs'],
    ['accelerator', 'Accelerators'],
    ['edge', 'Edge'],
  ];
  const known = new Set(catalog.map((c) => c.id));
  const entries = [...catalog, ...ui.targets.filter((t) => !known.has(t)).map((id) => ({ id, name: id, deviceClass: 'other' }))];
  const children: HTMLElement[] = [];
  for (const [cls, label] of [...groups, ['other', 'Other'] as [string, string]]) {
    const list = entries.filter((e) => e.deviceClass === cls || (cls === 'other' && !groups.some(([g]) => g === e.deviceClass)));
    if (!list.length) continue;
    const boxes = list.map((e) => {
      const cb = checkbox({
        label: e.name,
        checked: ui.targets.includes(e.id),
        testId: `target-${e.id}`,
        value: e.id,
        onChange: (on) => {
          const set = new Set(ui.targets);
          if (on) set.add(e.id);
          else set.delete(e.id);
          // Keep catalog order so the table order is stable.
          persist({ targets: entries.map((x) => x.id).filter((id) => set.has(id)) });
          legend.textContent = `Targets (${ui.targets.length} selected)`;
          postCompare();
        },
      });
      cb.el.title = e.id;
      targetBoxes.set(e.id, cb);
      return cb.el;
    });
    children.push(h('div', { class: 'target-group', role: 'group', 'aria-label': label }, h('div', { class: 'target-group-title' }, label), ...boxes));
  }
  pickerEl.replaceChildren(legend, ...children);
}
//#endregion

//#region results
interface Col {
  id: string;
  /** Short header (the panel is narrow); `title` is the full name for tooltips and screen readers. */
  label: string;
  title: string;
  value: (t: TargetEstimateView) => number;
  text: (t: TargetEstimateView) => string;
  better: 'low' | 'high' | null;
}
const COLS: Col[] = [
  { id: 'latency', label: 'Latency', title: 'Latency per inference call', value: (t) => t.latencySeconds, text: (t) => formatSeconds(t.latencySeconds), better: 'low' },
  { id: 'throughput', label: 'Inf/s', title: 'Throughput (samples per second)', value: (t) => t.throughputPerSecond, text: (t) => formatScaled(t.throughputPerSecond, ''), better: 'high' },
  { id: 'cost', label: '$/1M', title: 'US dollars per million inferences', value: (t) => t.costPerMillionUsd ?? Infinity, text: (t) => usd(t.costPerMillionUsd), better: 'low' },
  { id: 'joules', label: 'J/inf', title: 'Joules per inference', value: (t) => t.joulesPerInference, text: (t) => joules(t.joulesPerInference), better: 'low' },
  { id: 'fits', label: 'Fits', title: 'Fits on one chip (else: chips needed)', value: (t) => t.chipsNeeded, text: (t) => (t.fits ? 'yes' : `no (${t.chipsNeeded})`), better: null },
];

function renderTable(): void {
  const list = estimates?.targets ?? [];
  if (!list.length) {
    tableWrap.replaceChildren(h('p', { class: 'muted', 'data-testid': 'hardware-table-empty' }, 'No estimates yet. Pick targets and press Compare.'));
    chartsEl.replaceChildren();
    return;
  }
  const best = new Map<string, number>();
  for (const c of COLS) {
    if (!c.better) continue;
    const vals = list.map(c.value).filter((v) => Number.isFinite(v));
    if (vals.length) best.set(c.id, c.better === 'low' ? Math.min(...vals) : Math.max(...vals));
  }
  let rows = [...list];
  const sc = COLS.find((c) => c.id === ui.sortCol);
  if (sc) {
    const d = ui.sortDir === 'ascending' ? 1 : -1;
    rows.sort((a, b) => (sc.value(a) - sc.value(b)) * d || (Number.isNaN(sc.value(a)) ? 1 : 0));
  }
  const headRow = h('tr', undefined, h('th', { scope: 'col' }, 'Target'));
  for (const c of COLS) {
    const th = h('th', { scope: 'col', class: 'num', title: c.title, 'aria-sort': ui.sortCol === c.id ? ui.sortDir : 'none' });
    const b = h('button', { type: 'button', class: 'sort-button', 'aria-label': `Sort by ${c.title}` }, c.label, ui.sortCol === c.id ? (ui.sortDir === 'ascending' ? ' ▲' : ' ▼') : '');
    b.addEventListener('click', () => {
      if (ui.sortCol === c.id) persist({ sortDir: ui.sortDir === 'ascending' ? 'descending' : 'ascending' });
      else persist({ sortCol: c.id, sortDir: c.better === 'high' ? 'descending' : 'ascending' });
      renderTable();
      (tableWrap.querySelector(`th:nth-child(${COLS.indexOf(c) + 2}) button`) as HTMLElement | null)?.focus();
    });
    th.append(b);
    headRow.append(th);
  }
  const tbody = h('tbody');
  for (const t of rows) {
    const tr = h('tr', { 'data-testid': 'estimate-row', 'data-target': t.target, class: t.fits ? '' : 'no-fit', title: `${t.targetName}: ${percent(t.computeBoundFraction, 0)} of time compute-bound, ${t.chips} chip(s)` });
    tr.append(h('th', { scope: 'row', title: `${t.targetName} (${t.target})` }, t.target));
    for (const c of COLS) {
      const isBest = c.better !== null && best.get(c.id) === c.value(t) && list.length > 1;
      const td = h('td', { class: `num${isBest ? ' best' : ''}`, 'data-col': c.id, 'data-value': String(c.value(t)) }, c.text(t));
      if (isBest) td.append(h('span', { class: 'sr-only' }, ' (best)'));
      tr.append(td);
    }
    tbody.append(tr);
  }
  const notEstimated = list.find((t) => t.notEstimatedNodes > 0);
  tableWrap.replaceChildren(
    h('table', { class: 'data-table', 'data-testid': 'hardware-table', 'aria-label': 'Estimates per hardware target' }, h('caption', { class: 'sr-only' }, 'Estimates per hardware target'), h('thead', undefined, headRow), tbody),
    ...(notEstimated ? [h('p', { class: 'muted' }, `${notEstimated.notEstimatedNodes} layer(s) have no cost rule: figures are lower bounds.`)] : []),
  );

  const chart = (title: string, col: Col, filter: (t: TargetEstimateView) => boolean = () => true) => {
    const its = rows.filter((t) => filter(t) && Number.isFinite(col.value(t))).map((t) => ({ key: t.target, label: t.target, value: col.value(t), valueLabel: col.text(t), className: best.get(col.id) === col.value(t) && rows.length > 1 ? 'series-best' : 'series-0', title: `${t.targetName}: ${col.text(t)}${best.get(col.id) === col.value(t) ? ' (best)' : ''}` }));
    return h('figure', { class: 'chart-card' }, h('figcaption', { class: 'chart-title' }, title), its.length ? barChart({ ariaLabel: title, items: its, width: 300, labelWidth: 110, valueWidth: 70, testId: `hw-chart-${col.id}` }) : h('p', { class: 'muted' }, 'n/a'));
  };
  chartsEl.replaceChildren(chart('Latency (lower is better)', COLS[0]), chart('$ per 1M inferences', COLS[2], (t) => t.costPerMillionUsd !== null), chart('Joules per inference', COLS[3]));
}

interface LlmCol {
  id: string;
  label: string;
  title: string;
  value: (t: LlmEstimatePayload) => number | null;
  text: (t: LlmEstimatePayload) => string;
  better: 'low' | 'high' | null;
}
const secs = (v: number | null) => (v === null ? 'n/a' : compactSeconds(v));
const LLM_COLS: LlmCol[] = [
  { id: 'ttft', label: 'TTFT', title: 'Time to first token (prefill of the batch)', value: (t) => t.timeToFirstTokenSeconds, text: (t) => secs(t.timeToFirstTokenSeconds), better: 'low' },
  { id: 'tpot', label: 'TPOT', title: 'Time per output token (one decode step)', value: (t) => t.timePerOutputTokenSeconds, text: (t) => secs(t.timePerOutputTokenSeconds), better: 'low' },
  { id: 'tokens', label: 'Tok/s', title: 'Output tokens per second (whole system)', value: (t) => t.tokensPerSecond, text: (t) => (t.tokensPerSecond === null ? 'n/a' : sig3(t.tokensPerSecond)), better: 'high' },
  { id: 'cost', label: '$/1M', title: 'US dollars per million output tokens', value: (t) => t.costPerMillionTokensUsd, text: (t) => usd(t.costPerMillionTokensUsd), better: 'low' },
  { id: 'joules', label: 'J/tok', title: 'Joules per output token', value: (t) => t.joulesPerOutputToken, text: (t) => (t.joulesPerOutputToken === null ? 'n/a' : compactJoules(t.joulesPerOutputToken)), better: 'low' },
  { id: 'chips', label: 'Chips', title: 'Chips (tensor-parallel) the weights and KV cache need', value: (t) => t.chips, text: (t) => String(t.chips), better: null },
];

function renderLlm(): void {
  llmEl.hidden = llm === null;
  if (!llm) {
    llmTableWrap.replaceChildren();
    llmChartEl.replaceChildren();
    return;
  }
  llmSummaryEl.textContent = `Decoder with a KV cache (${llm.layers} layers), batch ${llm.batch}: prefill of ${llm.promptTokens} prompt tokens, then ${llm.outputTokens} decode steps. $ and J are per output token.`;
  const list = llm.estimates;
  if (!list.length) {
    llmTableWrap.replaceChildren(h('p', { class: 'muted', 'data-testid': 'llm-table-empty' }, llm.note ?? 'No LLM estimates yet. Pick targets and press Compare.'));
    llmChartEl.replaceChildren();
    return;
  }
  const best = new Map<string, number>();
  for (const c of LLM_COLS) {
    if (!c.better) continue;
    const vals = list.map(c.value).filter((v): v is number => v !== null);
    if (vals.length) best.set(c.id, c.better === 'low' ? Math.min(...vals) : Math.max(...vals));
  }
  const isBest = (c: LlmCol, t: LlmEstimatePayload) => c.better !== null && list.length > 1 && c.value(t) !== null && best.get(c.id) === c.value(t);
  const headRow = h('tr', undefined, h('th', { scope: 'col' }, 'Target'), ...LLM_COLS.map((c) => h('th', { scope: 'col', class: 'num', title: c.title }, h('abbr', { title: c.title }, c.label))));
  const tbody = h('tbody');
  for (const t of list) {
    const tr = h('tr', {
      'data-testid': 'llm-row',
      'data-target': t.target,
      class: t.fits ? '' : 'no-fit',
      title: `${t.targetName}: ${t.fits ? 'fits on one chip' : `needs ${t.chipsNeeded} chips`}${t.notes.length ? ` · ${t.notes.join(' · ')}` : ''}`,
    });
    tr.append(h('th', { scope: 'row', title: `${t.targetName} (${t.target})` }, t.target));
    for (const c of LLM_COLS) {
      const b = isBest(c, t);
      const v = c.value(t);
      const td = h('td', { class: `num${b ? ' best' : ''}`, 'data-col': c.id, 'data-value': v === null ? '' : String(v) }, c.text(t));
      if (b) td.append(h('span', { class: 'sr-only' }, ' (best)'));
      tr.append(td);
    }
    tbody.append(tr);
  }
  llmTableWrap.replaceChildren(
    h('table', { class: 'data-table', 'data-testid': 'llm-table', 'aria-label': 'LLM serving per hardware target' }, h('caption', { class: 'sr-only' }, 'LLM serving per hardware target'), h('thead', undefined, headRow), tbody),
    ...(list.some((t) => !t.fits) ? [h('p', { class: 'muted' }, 'Chips > 1: the weights and KV cache do not fit on one device; split tensor-parallel.')] : []),
  );
  const tok = LLM_COLS[2];
  const items = list
    .filter((t) => t.tokensPerSecond !== null)
    .map((t) => ({
      key: t.target,
      label: t.target,
      value: t.tokensPerSecond!,
      valueLabel: tok.text(t),
      className: isBest(tok, t) ? 'series-best' : 'series-0',
      title: `${t.targetName}: ${tok.text(t)} output tokens/s${isBest(tok, t) ? ' (best)' : ''}`,
    }));
  const title = 'Output tokens/s (higher is better)';
  llmChartEl.replaceChildren(
    h('figure', { class: 'chart-card' }, h('figcaption', { class: 'chart-title' }, title), items.length ? barChart({ ariaLabel: title, items, width: 300, labelWidth: 110, valueWidth: 70, testId: 'llm-chart-tokens' }) : h('p', { class: 'muted' }, 'n/a')),
  );
}

function renderWhatIf(): void {
  if (!hints.length) {
    whatIfEl.replaceChildren(h('h3', { class: 'subsection-title' }, 'What if'), h('p', { class: 'muted' }, 'No optimisation hints for this model yet.'));
    return;
  }
  const byCode = new Map<string, HintView[]>();
  for (const x of hints) (byCode.get(x.code) ?? byCode.set(x.code, []).get(x.code)!).push(x);
  const items = [...byCode].map(([code, list]) => {
    const cb = checkbox({
      label: `${code} (${list.length})`,
      checked: ui.whatIf[code] === true,
      testId: `whatif-${code}`,
      onChange: (on) => {
        persist({ whatIf: { ...ui.whatIf, [code]: on } });
        postCompare(true);
      },
    });
    const savings = list.flatMap((x) => x.savings).filter((sv) => ui.targets.includes(sv.target));
    return h(
      'li',
      { class: `hint sev-${list[0].severity}` },
      cb.el,
      h('div', { class: 'hint-message' }, list[0].message),
      savings.length ? h('div', { class: 'hint-savings' }, savings.map((sv) => `${sv.target}: ${sv.text}`).join(' · ')) : '',
    );
  });
  whatIfEl.replaceChildren(h('h3', { class: 'subsection-title' }, 'What if'), h('ul', { class: 'hint-list' }, ...items));
}
//#endregion

function show(msg: ReportMessage): void {
  if (Array.isArray(msg.catalog) && msg.catalog.every((c) => typeof c?.id === 'string' && typeof c?.name === 'string')) catalog = msg.catalog;
  const s = msg.settings;
  if (Array.isArray(s.targets) && s.targets.length) persist({ targets: s.targets.filter((t) => typeof t === 'string') });
  if (typeof s.batch === 'number' && s.batch > 0) {
    persist({ batch: s.batch });
    batchField.value = String(s.batch);
  }
  if (typeof s.precision === 'string') persist({ precision: s.precision });
  if (isTokenCount(s.promptTokens) && s.promptTokens !== ui.promptTokens) {
    persist({ promptTokens: s.promptTokens });
    promptField.value = String(s.promptTokens);
    promptField.setInvalid(null);
  }
  if (isTokenCount(s.outputTokens) && s.outputTokens !== ui.outputTokens) {
    persist({ outputTokens: s.outputTokens });
    outputField.value = String(s.outputTokens);
    outputField.setInvalid(null);
  }
  estimates = normalizeEstimates(msg.estimates);
  llm = readLlm(msg.estimates);
  // EstimatesPayload (src/protocol): `available` lists every pickable target; `note` says why none.
  const raw = msg.estimates as { available?: unknown; note?: unknown; unknownTargets?: unknown } | undefined;
  if (raw && Array.isArray(raw.available) && raw.available.length && raw.available.every((c) => typeof c?.id === 'string' && typeof c?.name === 'string')) {
    catalog = raw.available.map((c) => ({ id: c.id, name: c.name, deviceClass: typeof c.deviceClass === 'string' ? c.deviceClass : 'other' }));
  }
  const notes: string[] = [];
  if (raw && typeof raw.note === 'string' && raw.note) notes.push(raw.note);
  if (raw && Array.isArray(raw.unknownTargets) && raw.unknownTargets.length) notes.push(`Unknown target ids: ${raw.unknownTargets.filter((x) => typeof x === 'string').join(', ')}`);
  hints = Array.isArray(msg.report?.nodes) ? normalizeHints(msg.hints, msg.report.nodes) : [];
  showStatus(null);
  errorEl.hidden = notes.length === 0;
  errorEl.textContent = notes.join(' · ');
  buildPicker();
  renderLlm();
  renderTable();
  renderWhatIf();
}

buildControls();
buildLlmControls();
buildPicker();
renderLlm();
renderTable();
renderWhatIf();

host.onMessage((m) => {
  switch (m.type) {
    case 'report/show':
      show(m);
      break;
    case 'report/progress':
      showStatus(m.message, true);
      break;
    case 'report/error':
      showStatus(null);
      errorEl.hidden = false;
      errorEl.textContent = m.message;
      break;
    case 'node/reveal':
      break; // nothing to reveal in this panel
  }
});

host.post({ type: 'view/ready' });
