/**
 * The controls the Hardware side panel and the wide comparison share: batch, precision, the target picker,
 * the LLM request (for decoders) and the what-if toggles. Every change posts one 'hardware/compare' with the
 * whole choice; the host answers with a new 'report/show', whose settings are the truth the controls then
 * show. The choice is also kept in the view's state, so a reload shows it before the host answers.
 */
import type { CatalogEntrySummary, HintPayload, ReportMessage } from '../../src/protocol/messages';
import { isTokenCount, LLM_DEFAULT_OUTPUT_TOKENS, LLM_DEFAULT_PROMPT_TOKENS } from '../../src/protocol/messages';
import { button, checkbox, dropdown, h, rowBadge, textField, type CheckboxHandle, type DropdownHandle, type FieldHandle } from '../components';
import type { Host } from '../vscodeApi';
import { badgeSeverity, savingText } from './hints';
import { parseTokenCount } from './llm';
import { PRECISIONS } from './targets';

export interface CompareChoice {
  targets: string[];
  batch: number;
  precision: string;
  /** Hint ids whose what-if change is applied. */
  whatIf: string[];
  promptTokens: number;
  outputTokens: number;
}

/** The choice saved in a view's state, or the defaults. */
export function savedChoice(saved: Partial<Record<keyof CompareChoice, unknown>>): CompareChoice {
  const strings = (v: unknown) => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);
  return {
    targets: strings(saved.targets),
    batch: typeof saved.batch === 'number' && Number.isSafeInteger(saved.batch) && saved.batch > 0 ? saved.batch : 1,
    precision: typeof saved.precision === 'string' ? saved.precision : '',
    whatIf: strings(saved.whatIf),
    promptTokens: isTokenCount(saved.promptTokens) ? saved.promptTokens : LLM_DEFAULT_PROMPT_TOKENS,
    outputTokens: isTokenCount(saved.outputTokens) ? saved.outputTokens : LLM_DEFAULT_OUTPUT_TOKENS,
  };
}

/** What the host says is off with the comparison, one line each. */
function notesOf(msg: ReportMessage): string[] {
  const e = msg.estimates;
  if (!e) return [];
  return [
    ...(e.targets.length && e.batch !== msg.settings.batch ? [`Estimates are for batch ${e.batch}, not ${msg.settings.batch}: the model's batch dim is bound (Symbolic dimensions) or fixed by the export`] : []),
    ...(e.unknownTargets.length ? [`Unknown target ids: ${e.unknownTargets.join(', ')}`] : []),
    ...e.problems,
    ...(e.whatIf.dropped.length ? [`What-if no longer offered here, dropped: ${e.whatIf.dropped.join(', ')}`] : []),
  ];
}

const CLASS_GROUPS: readonly [string, string][] = [
  ['gpu', 'GPUs'],
  ['accelerator', 'Accelerators'],
  ['edge', 'Edge'],
];

export class CompareControls {
  /** Batch, precision and the Compare button. */
  readonly controlsEl = h('div', { class: 'compare-controls' });
  readonly pickerEl = h('fieldset', { class: 'target-picker', 'data-testid': 'target-picker' });
  /** Prompt and generated tokens: shown by the views only for a decoder with a KV cache. */
  readonly llmControlsEl = h('div', { class: 'compare-controls llm-controls' });
  readonly whatIfEl = h('section', { class: 'what-if', 'aria-label': 'What-if hints', 'data-testid': 'what-if' });
  /** Problems to show above the figures: unknown targets, refused custom entries, dropped what-ifs, a failed profile. */
  readonly noticeEl = h('div', { class: 'error-bar', role: 'alert', hidden: true });
  private catalog: readonly CatalogEntrySummary[] = [];
  private hints: readonly HintPayload[] = [];
  private applied = new Map<string, readonly string[]>();
  private decoder = false;
  private postTimer: number | undefined;
  /** Posts not answered yet: the host's answers to earlier posts must not undo a later choice. */
  private inFlight = 0;
  private readonly batchField: FieldHandle;
  private readonly precisionDropdown: DropdownHandle;
  private readonly promptField: FieldHandle;
  private readonly outputField: FieldHandle;

  constructor(
    private readonly host: Host<CompareChoice>,
    readonly choice: CompareChoice,
    private readonly showStatus: (message: string | null, busy?: boolean) => void,
  ) {
    this.batchField = textField({
      label: 'Batch',
      value: String(choice.batch),
      numeric: true,
      size: 6,
      testId: 'batch-input',
      onInput: (v) => {
        const n = /^\d+$/.test(v.trim()) ? Number(v.trim()) : NaN;
        if (Number.isSafeInteger(n) && n >= 1 && n <= 1 << 20) {
          this.batchField.setInvalid(null);
          this.change({ batch: n });
        } else this.batchField.setInvalid('Batch must be an integer from 1 to 1048576');
      },
    });
    this.precisionDropdown = dropdown({ label: 'Precision', options: PRECISIONS, value: choice.precision, testId: 'precision-select', onChange: (v) => this.change({ precision: v }) });
    const compare = button({ label: 'Compare', appearance: 'primary', testId: 'compare-apply', ariaLabel: 'Compare the selected targets', onClick: () => this.post(true) });
    this.controlsEl.replaceChildren(this.batchField.el, this.precisionDropdown.el, compare);
    this.promptField = this.tokenField('Prompt tokens', 'llm-prompt-input', 'promptTokens');
    this.outputField = this.tokenField('Generated tokens', 'llm-generate-input', 'outputTokens');
    this.llmControlsEl.replaceChildren(this.promptField.el, this.outputField.el);
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
      const tokens = this.decoder ? { promptTokens: c.promptTokens, outputTokens: c.outputTokens } : {};
      const ok = this.host.post({ type: 'hardware/compare', targets: c.targets, batch: c.batch, ...(c.precision ? { precision: c.precision } : {}), whatIf: c.whatIf, ...tokens });
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
    if (available?.length) this.catalog = available.map((a) => ({ id: a.id, name: a.name, deviceClass: a.deviceClass }));
    else if (msg.catalog?.length) this.catalog = msg.catalog;
    this.settled();
    if (this.postTimer === undefined && this.inFlight === 0) this.takeSettings(msg);
    this.decoder = msg.estimates?.llm !== undefined;
    this.hints = msg.hints ?? [];
    this.applied = new Map((msg.estimates?.whatIf.applied ?? []).map((a) => [a.id, a.targets]));
    this.renderPicker();
    this.renderWhatIf();
  }

  private takeSettings(msg: ReportMessage): void {
    const s = msg.settings;
    const patch: Partial<CompareChoice> = { targets: [...s.targets], batch: s.batch, precision: s.precision ?? '', whatIf: [...(s.whatIf ?? [])] };
    if (isTokenCount(s.promptTokens)) patch.promptTokens = s.promptTokens;
    if (isTokenCount(s.outputTokens)) patch.outputTokens = s.outputTokens;
    Object.assign(this.choice, patch);
    this.host.patchState(patch);
    this.batchField.value = String(this.choice.batch);
    this.batchField.setInvalid(null);
    this.precisionDropdown.value = this.choice.precision;
    this.promptField.value = String(this.choice.promptTokens);
    this.outputField.value = String(this.choice.outputTokens);
  }

  private renderPicker(): void {
    const legend = h('legend', undefined, `Targets (${this.choice.targets.length} selected)`);
    const known = new Set(this.catalog.map((c) => c.id));
    const entries = [...this.catalog, ...this.choice.targets.filter((t) => !known.has(t)).map((id) => ({ id, name: id, deviceClass: 'other' }))];
    const groups: HTMLElement[] = [];
    for (const [cls, label] of [...CLASS_GROUPS, ['other', 'Other'] as [string, string]]) {
      const list = entries.filter((e) => e.deviceClass === cls || (cls === 'other' && !CLASS_GROUPS.some(([g]) => g === e.deviceClass)));
      if (!list.length) continue;
      const boxes = list.map((e) => {
        const cb: CheckboxHandle = checkbox({
          label: e.name,
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
          },
        });
        cb.el.title = e.id;
        return cb.el;
      });
      groups.push(h('div', { class: 'target-group', role: 'group', 'aria-label': label }, h('div', { class: 'target-group-title' }, label), ...boxes));
    }
    this.pickerEl.replaceChildren(legend, ...groups);
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
