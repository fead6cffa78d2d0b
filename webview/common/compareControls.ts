/**
 * The controls the Hardware side panel and the wide comparison share: batch (a number, or "max": the serving
 * search per target), the deployment's chips, precision, the target picker, the LLM request (for decoders),
 * the MoE routing skew (for MoE models) and the what-if toggles. Every change posts one 'hardware/compare' with the
 * whole choice; the host answers with a new 'report/show', whose settings are the truth the controls then
 * show. The choice is also kept in the view's state, so a reload shows it before the host answers.
 */
import { DEFAULT_MOE_SKEW, isMoeSkew, MAX_MOE_SKEW } from '../../src/core/estimate/layouts';
import { isKvCacheDtype, isPrecisionChoice, type KvCacheDtype, type PrecisionChoice } from '../../src/core/estimate/precision';
import type { BatchChoice, CatalogEntrySummary, HintPayload, ReportMessage } from '../../src/protocol/messages';
import { catalogEntrySummary, isBatchChoice, isNonNegativeInt, isTokenCount, LLM_DEFAULT_OUTPUT_TOKENS, LLM_DEFAULT_PROMPT_TOKENS, MAX_CHIPS } from '../../src/protocol/messages';
import { button, checkbox, dropdown, h, rowBadge, textField, type CheckboxHandle, type DropdownHandle, type FieldHandle } from '../components';
import type { Host } from '../vscodeApi';
import { badgeSeverity, savingText } from './hints';
import { parseTokenCount } from './llm';
import { KV_CACHE_OPTIONS, PRECISIONS } from './targets';

export interface CompareChoice {
  targets: string[];
  /** A number, or 'max': per target, the batch and layout with the most throughput per chip. */
  batch: BatchChoice;
  /** The last numeric batch: what the field shows, and what unticking "max" goes back to. */
  fixedBatch: number;
  /** The deployment's chip count; 0: the chips the model needs. */
  chips: number;
  /** '' = as in the model. */
  precision: PrecisionChoice | '';
  /** Decoders: the KV-cache dtype; '' = as the activations. */
  kvCache: KvCacheDtype | '';
  /** Hint ids whose what-if change is applied. */
  whatIf: string[];
  promptTokens: number;
  outputTokens: number;
  /** MoE routing skew (Zipf exponent of expert popularity; 0 = uniform). */
  moeSkew: number;
}

/** The choice saved in a view's state, or the defaults. */
export function savedChoice(saved: Partial<Record<keyof CompareChoice, unknown>>): CompareChoice {
  const strings = (v: unknown) => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);
  const fixedBatch = typeof saved.fixedBatch === 'number' && isBatchChoice(saved.fixedBatch) ? saved.fixedBatch : typeof saved.batch === 'number' && isBatchChoice(saved.batch) ? saved.batch : 1;
  return {
    targets: strings(saved.targets),
    batch: isBatchChoice(saved.batch) ? saved.batch : fixedBatch,
    fixedBatch,
    chips: isNonNegativeInt(saved.chips, MAX_CHIPS) ? saved.chips : 0,
    precision: isPrecisionChoice(saved.precision) ? saved.precision : '',
    kvCache: isKvCacheDtype(saved.kvCache) ? saved.kvCache : '',
    whatIf: strings(saved.whatIf),
    promptTokens: isTokenCount(saved.promptTokens) ? saved.promptTokens : LLM_DEFAULT_PROMPT_TOKENS,
    outputTokens: isTokenCount(saved.outputTokens) ? saved.outputTokens : LLM_DEFAULT_OUTPUT_TOKENS,
    moeSkew: isMoeSkew(saved.moeSkew) ? saved.moeSkew : DEFAULT_MOE_SKEW,
  };
}

/** What the host says is off with the comparison, one line each. */
function notesOf(msg: ReportMessage): string[] {
  const e = msg.estimates;
  if (!e) return [];
  return [
    ...(e.targets.length && msg.settings.batch !== 'max' && e.batch !== msg.settings.batch ? [`Estimates are for batch ${e.batch}, not ${msg.settings.batch}: the model's batch dim is bound (Symbolic dimensions) or fixed by the export`] : []),
    ...(e.unknownTargets.length ? [`Unknown target ids: ${e.unknownTargets.join(', ')}`] : []),
    ...e.problems,
    ...e.notEstimated,
    ...(e.whatIf.dropped.length ? [`What-if no longer offered here, dropped: ${e.whatIf.dropped.join(', ')}`] : []),
  ];
}

const CLASS_GROUPS: readonly [string, string][] = [
  ['gpu', 'GPUs'],
  ['accelerator', 'Accelerators'],
  ['edge', 'Edge'],
];

/** A picker group's target checkboxes that the filter leaves shown. */
function shownBoxes(group: Element): (HTMLElement & { checked: boolean })[] {
  return [...group.querySelectorAll<HTMLElement & { checked: boolean }>('[data-search]')].filter((box) => box.style.display !== 'none');
}

export class CompareControls {
  /** Batch, precision and the Compare button. */
  readonly controlsEl = h('div', { class: 'compare-controls' });
  readonly pickerEl = h('fieldset', { class: 'target-picker', 'data-testid': 'target-picker' });
  private readonly pickerLegend = h('legend');
  /** The picker's groups of checkboxes: re-rendered on each report, while the filter field keeps its focus. */
  private readonly pickerGroupsEl = h('div', { class: 'target-groups' });
  /** Filters the picker's long catalog by name or id, as typed. */
  private readonly pickerFilter: FieldHandle;
  /** Prompt and generated tokens and the KV-cache dtype: shown by the views only for a decoder with a KV cache. */
  readonly llmControlsEl = h('div', { class: 'compare-controls llm-controls' });
  /** The MoE routing skew: shown by the views only for a mixture-of-experts model. */
  readonly moeControlsEl = h('div', { class: 'compare-controls moe-controls', hidden: true });
  readonly whatIfEl = h('section', { class: 'what-if', 'aria-label': 'What-if hints', 'data-testid': 'what-if' });
  /** Problems to show above the figures: unknown targets, refused custom entries, dropped what-ifs, a failed profile. */
  readonly noticeEl = h('div', { class: 'error-bar', role: 'alert', hidden: true });
  private catalog: readonly CatalogEntrySummary[] = [];
  private hints: readonly HintPayload[] = [];
  private applied = new Map<string, readonly string[]>();
  private decoder = false;
  private moe = false;
  private postTimer: number | undefined;
  /** Posts not answered yet: the host's answers to earlier posts must not undo a later choice. */
  private inFlight = 0;
  private readonly batchField: FieldHandle;
  private readonly batchMax: CheckboxHandle;
  private readonly chipsField: FieldHandle;
  private readonly precisionDropdown: DropdownHandle;
  private readonly kvCacheDropdown: DropdownHandle;
  private readonly promptField: FieldHandle;
  private readonly outputField: FieldHandle;
  private readonly skewField: FieldHandle;

  constructor(
    private readonly host: Host<CompareChoice>,
    readonly choice: CompareChoice,
    private readonly showStatus: (message: string | null, busy?: boolean) => void,
  ) {
    this.batchField = textField({
      label: 'Batch',
      value: String(choice.fixedBatch),
      numeric: true,
      size: 6,
      testId: 'batch-input',
      onInput: (v) => {
        const n = /^\d+$/.test(v.trim()) ? Number(v.trim()) : NaN;
        if (Number.isSafeInteger(n) && n >= 1 && n <= 1 << 20) {
          this.batchField.setInvalid(null);
          this.change({ batch: n, fixedBatch: n });
        } else this.batchField.setInvalid('Batch must be an integer from 1 to 1048576');
      },
    });
    this.batchField.setDisabled(choice.batch === 'max');
    this.batchMax = checkbox({
      label: 'Max per target',
      checked: choice.batch === 'max',
      testId: 'batch-max',
      onChange: (on) => {
        this.batchField.setDisabled(on);
        this.change({ batch: on ? 'max' : this.choice.fixedBatch });
      },
    });
    this.batchMax.el.title = 'Per target, the batch and chip layout with the most throughput per chip within memory (weights, activations, the KV cache), as an offline deployment runs';
    this.chipsField = textField({
      label: 'Chips',
      value: choice.chips ? String(choice.chips) : '',
      placeholder: 'as needed',
      numeric: true,
      size: 6,
      testId: 'chips-input',
      onInput: (v) => {
        const t = v.trim();
        const n = t === '' ? 0 : /^\d+$/.test(t) ? Number(t) : NaN;
        if (isNonNegativeInt(n, MAX_CHIPS)) {
          this.chipsField.setInvalid(null);
          this.change({ chips: n });
        } else this.chipsField.setInvalid(`Chips must be an integer from 1 to ${MAX_CHIPS}, or empty for the chips the model needs`);
      },
    });
    this.chipsField.el.title = "The deployment's chip count (an 8-GPU node, a 16-chip instance); empty: the chips the model needs";
    this.precisionDropdown = dropdown({ label: 'Precision', options: PRECISIONS, value: choice.precision, testId: 'precision-select', onChange: (v) => this.change({ precision: isPrecisionChoice(v) ? v : '' }) });
    const compare = button({ label: 'Compare', appearance: 'primary', testId: 'compare-apply', ariaLabel: 'Compare the selected targets', onClick: () => this.post(true) });
    this.controlsEl.replaceChildren(this.batchField.el, this.batchMax.el, this.chipsField.el, this.precisionDropdown.el, compare);
    this.promptField = this.tokenField('Prompt tokens', 'llm-prompt-input', 'promptTokens');
    this.outputField = this.tokenField('Generated tokens', 'llm-generate-input', 'outputTokens');
    this.kvCacheDropdown = dropdown({ label: 'KV cache', options: KV_CACHE_OPTIONS, value: choice.kvCache, testId: 'kv-cache-select', onChange: (v) => this.change({ kvCache: isKvCacheDtype(v) ? v : '' }) });
    this.kvCacheDropdown.el.title = 'The KV cache stored in this dtype whatever the layers run in (vLLM --kv-cache-dtype, TensorRT-LLM FP8/INT8 KV cache): its memory and the bytes each decode step reads';
    this.llmControlsEl.replaceChildren(this.promptField.el, this.outputField.el, this.kvCacheDropdown.el);
    this.skewField = textField({
      label: 'MoE routing skew',
      value: String(choice.moeSkew),
      size: 5,
      testId: 'moe-skew-input',
      onInput: (v) => {
        const n = /^\d+(\.\d+)?$/.test(v.trim()) ? Number(v.trim()) : NaN;
        if (isMoeSkew(n)) {
          this.skewField.setInvalid(null);
          this.change({ moeSkew: n });
        } else this.skewField.setInvalid(`Skew must be a number from 0 (uniform routing) to ${MAX_MOE_SKEW}`);
      },
    });
    this.skewField.el.title = 'Zipf exponent of expert popularity: 0 routes tokens uniformly over the experts; larger values send more tokens to fewer experts, so a batch touches fewer distinct experts (docs/estimator.md).';
    this.moeControlsEl.replaceChildren(this.skewField.el);
    this.pickerFilter = textField({ label: 'Filter targets', placeholder: 'e.g. h100, tpu, gaudi', size: 22, testId: 'target-filter', onInput: () => this.filterPicker() });
    this.pickerEl.replaceChildren(this.pickerLegend, this.pickerFilter.el, this.pickerGroupsEl);
    this.renderPicker();
    this.renderWhatIf();
  }

  private tokenField(label: string, testId: string, key: 'promptTokens' | 'outputTokens'): FieldHandle {
    const f: FieldHandle = textField({
      label,
      value: String(this.choice[key]),
      numeric: true,
      size: 8,
      testId,
      onInput: (v) => {
        const r = parseTokenCount(v, label);
        if (r.ok) {
          f.setInvalid(null);
          this.change({ [key]: r.value });
        } else f.setInvalid(r.reason);
      },
    });
    return f;
  }

  private change(patch: Partial<CompareChoice>, immediate = false): void {
    Object.assign(this.choice, patch);
    this.host.patchState(patch);
    this.post(immediate);
  }

  /** Posts the whole choice (after 250 ms of quiet, so typing a batch posts once). */
  private post(immediate: boolean): void {
    window.clearTimeout(this.postTimer);
    this.postTimer = undefined;
    const send = () => {
      this.postTimer = undefined;
      const c = this.choice;
      // Token counts only for a decoder: other models post exactly what they did before.
      const tokens = this.decoder ? { promptTokens: c.promptTokens, outputTokens: c.outputTokens, ...(c.kvCache ? { kvCache: c.kvCache } : {}) } : {};
      const skew = this.moe ? { moeSkew: c.moeSkew } : {};
      const ok = this.host.post({ type: 'hardware/compare', targets: c.targets, batch: c.batch, chips: c.chips, ...(c.precision ? { precision: c.precision } : {}), whatIf: c.whatIf, ...tokens, ...skew });
      if (ok) {
        this.inFlight++;
        this.showStatus('Estimating…', true);
      }
    };
    if (immediate) send();
    else this.postTimer = window.setTimeout(send, 250);
  }

  /** Listens to the host (every message validated), keeps the controls in step, hands each report to `render`, and says ready. */
  listen(render: (msg: ReportMessage) => void): void {
    this.host.onMessage((m) => {
      switch (m.type) {
        case 'report/show':
          this.update(m);
          this.showStatus(null);
          this.notice(notesOf(m), 'notice');
          render(m);
          break;
        case 'report/progress':
          this.showStatus(m.message, true);
          break;
        case 'report/error':
          this.settled();
          this.showStatus(null);
          this.notice([m.message], 'error');
          break;
        case 'node/reveal':
          break; // nothing to reveal in these views
      }
    });
    this.host.post({ type: 'view/ready' });
  }

  /** Shows `lines` in the bar: a notice (the comparison is not quite what was asked), or an error (no profile). */
  private notice(lines: readonly string[], kind: 'notice' | 'error'): void {
    this.noticeEl.classList.toggle('notice', kind === 'notice');
    this.noticeEl.hidden = lines.length === 0;
    this.noticeEl.textContent = lines.join(' · ');
  }

  /** The host answered a post with an error: that post is no longer in flight. */
  private settled(): void {
    this.inFlight = Math.max(0, this.inFlight - 1);
  }

  /**
   * Takes the host's settings, catalog and hints: the host is the truth about what is compared and applied
   * (the other view may have changed it), except while the user's own newer choice is still on its way.
   */
  private update(msg: ReportMessage): void {
    const available = msg.estimates?.available;
    if (available?.length) this.catalog = available.map(catalogEntrySummary);
    else if (msg.catalog?.length) this.catalog = msg.catalog;
    this.settled();
    if (this.postTimer === undefined && this.inFlight === 0) this.takeSettings(msg);
    this.decoder = msg.estimates?.llm !== undefined;
    this.moe = msg.report.moe !== undefined;
    this.moeControlsEl.hidden = !this.moe;
    this.hints = msg.hints ?? [];
    this.applied = new Map((msg.estimates?.whatIf.applied ?? []).map((a) => [a.id, a.targets]));
    this.renderPicker();
    this.renderWhatIf();
  }

  private takeSettings(msg: ReportMessage): void {
    const s = msg.settings;
    const patch: Partial<CompareChoice> = { targets: [...s.targets], batch: s.batch, chips: s.chips ?? 0, precision: s.precision ?? '', kvCache: s.kvCache ?? '', whatIf: [...(s.whatIf ?? [])] };
    if (s.batch !== 'max') patch.fixedBatch = s.batch;
    if (isTokenCount(s.promptTokens)) patch.promptTokens = s.promptTokens;
    if (isTokenCount(s.outputTokens)) patch.outputTokens = s.outputTokens;
    if (isMoeSkew(s.moeSkew)) patch.moeSkew = s.moeSkew;
    Object.assign(this.choice, patch);
    this.host.patchState(patch);
    this.batchField.value = String(this.choice.fixedBatch);
    this.batchField.setInvalid(null);
    this.batchField.setDisabled(this.choice.batch === 'max');
    this.batchMax.checked = this.choice.batch === 'max';
    this.chipsField.value = this.choice.chips ? String(this.choice.chips) : '';
    this.chipsField.setInvalid(null);
    this.precisionDropdown.value = this.choice.precision;
    this.kvCacheDropdown.value = this.choice.kvCache;
    this.promptField.value = String(this.choice.promptTokens);
    this.outputField.value = String(this.choice.outputTokens);
    this.skewField.value = String(this.choice.moeSkew);
    this.skewField.setInvalid(null);
  }

  private renderPicker(): void {
    const legend = this.pickerLegend;
    legend.textContent = `Targets (${this.choice.targets.length} selected)`;
    const known = new Set(this.catalog.map((c) => c.id));
    const entries: CatalogEntrySummary[] = [...this.catalog, ...this.choice.targets.filter((t) => !known.has(t)).map((id) => ({ id, name: id, deviceClass: 'other' }))];
    const groups: HTMLElement[] = [];
    for (const [cls, label] of [...CLASS_GROUPS, ['other', 'Other'] as [string, string]]) {
      const list = entries.filter((e) => e.deviceClass === cls || (cls === 'other' && !CLASS_GROUPS.some(([g]) => g === e.deviceClass)));
      if (!list.length) continue;
      const boxes = list.map((e) => {
        // A device the estimator cannot cost stays pickable (the host then says why), but says so before it is picked.
        const cb: CheckboxHandle = checkbox({
          label: e.notEstimated ? `${e.name} (not estimated)` : e.name,
          checked: this.choice.targets.includes(e.id),
          testId: `target-${e.id}`,
          value: e.id,
          onChange: (on) => {
            const set = new Set(this.choice.targets);
            if (on) set.add(e.id);
            else set.delete(e.id);
            // Catalog order, so the tables' order is stable.
            legend.textContent = `Targets (${set.size} selected)`;
            this.change({ targets: entries.map((x) => x.id).filter((id) => set.has(id)) });
            this.labelGroupToggles();
          },
        });
        cb.el.title = e.notEstimated ?? e.id;
        cb.el.dataset.search = `${e.name} ${e.id}`.toLowerCase();
        return cb.el;
      });
      const toggle = h('button', { type: 'button', class: 'link-button', 'data-testid': `target-group-${cls}` });
      const group = h('div', { class: 'target-group', role: 'group', 'aria-label': label }, h('div', { class: 'target-group-title' }, label, toggle), ...boxes);
      toggle.addEventListener('click', () => this.toggleGroup(group, entries));
      groups.push(group);
    }
    this.pickerGroupsEl.replaceChildren(...groups);
    this.filterPicker();
  }

  /** The group's devices the filter shows: all selected already, it clears them; else it selects them all. */
  private toggleGroup(group: HTMLElement, entries: readonly CatalogEntrySummary[]): void {
    const shown = shownBoxes(group);
    const set = new Set(this.choice.targets);
    const clear = shown.every((box) => set.has(box.dataset.value ?? ''));
    for (const box of shown) {
      box.checked = !clear;
      if (clear) set.delete(box.dataset.value ?? '');
      else set.add(box.dataset.value ?? '');
    }
    this.pickerLegend.textContent = `Targets (${set.size} selected)`;
    this.change({ targets: entries.map((x) => x.id).filter((id) => set.has(id)) });
    this.labelGroupToggles();
  }

  /** Each group's toggle says what a click does to the devices the filter shows. */
  private labelGroupToggles(): void {
    const selected = new Set(this.choice.targets);
    for (const group of this.pickerGroupsEl.querySelectorAll<HTMLElement>('.target-group')) {
      const toggle = group.querySelector('.target-group-title .link-button');
      if (!toggle) continue;
      const shown = shownBoxes(group);
      const all = shown.length > 0 && shown.every((box) => selected.has(box.dataset.value ?? ''));
      toggle.textContent = all ? 'Clear' : 'Select all';
      toggle.setAttribute('aria-label', `${all ? 'Clear' : 'Select'} every target shown in ${group.getAttribute('aria-label') ?? ''}`);
    }
  }

  /** Shows the targets whose name or id contains the filter's text (all when it is empty), and the groups that have any. */
  private filterPicker(): void {
    const words = this.pickerFilter.value.trim().toLowerCase().split(/\s+/).filter(Boolean);
    for (const group of this.pickerGroupsEl.children) {
      let shown = 0;
      for (const box of group.querySelectorAll<HTMLElement>('[data-search]')) {
        const match = words.every((w) => box.dataset.search!.includes(w));
        box.style.display = match ? '' : 'none';
        if (match) shown++;
      }
      (group as HTMLElement).style.display = shown ? '' : 'none';
    }
    this.labelGroupToggles();
  }

  private renderWhatIf(): void {
    const title = h('h3', { class: 'subsection-title' }, 'What if');
    if (!this.hints.length) {
      this.whatIfEl.replaceChildren(title, h('p', { class: 'muted' }, 'No optimisation hints for this model on these targets.'));
      return;
    }
    const items = this.hints.map((x) => this.whatIfItem(x));
    const intro = h('p', { class: 'muted' }, 'Tick a hint to see the estimates, table and charts as if its change were made (on the targets that can run it). Savings are each hint alone, against the model as it is.');
    this.whatIfEl.replaceChildren(title, intro, h('ul', { class: 'hint-list' }, ...items));
  }

  private whatIfItem(x: HintPayload): HTMLElement {
    const on = this.choice.whatIf.includes(x.id);
    const savings = x.savings.filter((sv) => this.choice.targets.includes(sv.target));
    const appliedOn = this.applied.get(x.id);
    const li = h('li', { class: `hint sev-${x.severity}${on ? ' applied' : ''}`, 'data-testid': 'whatif-hint', 'data-hint-id': x.id });
    if (x.whatIf) {
      const cb = checkbox({
        label: x.id,
        checked: on,
        testId: `whatif-${x.id}`,
        onChange: (checked) => this.change({ whatIf: checked ? [...this.choice.whatIf.filter((id) => id !== x.id), x.id] : this.choice.whatIf.filter((id) => id !== x.id) }, true),
      });
      li.append(cb.el);
    } else li.append(h('strong', undefined, x.id), ' ', rowBadge('advice', 'info', 'No estimate can price this change: advice only'));
    li.append(' ', rowBadge(x.severity, badgeSeverity(x.severity), `${x.severity} saving`), h('div', { class: 'hint-message' }, x.message));
    if (savings.length) {
      li.append(
        h(
          'ul',
          { class: 'hint-savings plain-list' },
          ...savings.map((sv) => h('li', { 'data-testid': 'whatif-saving', 'data-target': sv.target, 'data-seconds': sv.seconds, 'data-verdict': sv.verdict }, `${sv.target}: ${savingText(sv)}`)),
        ),
      );
    }
    if (appliedOn) li.append(h('div', { class: 'hint-applied', 'data-testid': 'whatif-applied' }, appliedOn.length ? `Applied on ${appliedOn.join(', ')}` : 'Applied on no compared target (none can run it)'));
    return li;
  }
}
