/** The top of the profile view: the header (with exports and the what-if banner), the bind section and the summary cards. */
import type { ProfileReport } from '../../src/core/report/reportTypes';
import type { ReportMessage, ViewSettings } from '../../src/protocol/messages';
import { button, h, setDisabled, textField, type FieldHandle } from '../components';
import { moeDetail, moeHeadline, paramCount } from '../../src/core/render/moeText';
import { bytes, exact, formatScaled, num } from '../common/format';
import type { Host } from '../vscodeApi';
import { opLabel } from './layerItems';
import type { EditorState } from './state';

export function header(msg: ReportMessage, host: Host<EditorState>): Node[] {
  const r = msg.report;
  const file = r.model.path.split(/[\\/]/).pop() || r.model.path;
  const exportButtons = (['json', 'csv', 'md'] as const).map((f) =>
    button({ label: f.toUpperCase(), appearance: 'secondary', ariaLabel: `Export report as ${f.toUpperCase()}`, testId: `export-${f}`, onClick: () => host.post({ type: 'report/export', format: f }) }),
  );
  const meta = [r.model.producer && `${r.model.producer} ${r.model.producerVersion}`.trim(), `IR ${r.model.irVersion}`, Object.entries(r.model.opsets).map(([d, v]) => `${d} ${v}`).join(', ')].filter(Boolean).join(' · ');
  const applied = msg.estimates?.whatIf.applied ?? [];
  return [
    h('div', { class: 'title-block' }, h('h1', { class: 'view-title', title: r.model.path }, file), h('div', { class: 'muted' }, meta)),
    h(
      'div',
      { class: 'header-actions' },
      h('div', { class: 'export-buttons', role: 'group', 'aria-label': 'Export' }, h('span', { class: 'muted' }, 'Export:'), ...exportButtons),
      button({ label: 'Compare with baseline…', appearance: 'secondary', ariaLabel: 'Compare with a baseline: a saved report or another model', testId: 'baseline-choose', onClick: () => host.post({ type: 'baseline/choose' }) }),
    ),
    ...(applied.length
      ? [
          h(
            'div',
            { class: 'what-if-banner', role: 'note', 'data-testid': 'what-if-banner' },
            h('strong', undefined, 'What-if: '),
            `figures are as if ${applied.map((a) => `${a.id} (on ${a.targets.join(', ') || 'no compared target'})`).join(' and ')} were applied. `,
            'Change it in the Hardware panel.',
          ),
        ]
      : []),
  ];
}

const IDENT = /^[A-Za-z_][A-Za-z0-9_.:\-]*$/;

/** The symbolic dims a user can bind: unbound symbols, bound ones, and the names in input shapes. */
function symbolsOf(r: ProfileReport): string[] {
  const out = new Set<string>();
  for (const s of r.unboundSymbols) out.add(s);
  for (const k of Object.keys(r.bindings)) out.add(k);
  for (const t of r.graphInputs) {
    for (const d of t.shape ?? []) {
      if (typeof d !== 'string') continue;
      if (IDENT.test(d)) out.add(d);
      else for (const m of d.match(/[A-Za-z_][A-Za-z0-9_.]*/g) ?? []) out.add(m);
    }
  }
  return [...out].filter((x) => x !== '?' && x.length <= 256);
}

function parseDim(v: string): number | null | 'invalid' {
  const t = v.trim();
  if (t === '') return null;
  if (!/^\d+$/.test(t)) return 'invalid';
  const n = Number(t);
  return Number.isSafeInteger(n) && n <= 2 ** 40 ? n : 'invalid';
}

/** Inputs to bind symbolic dims; Apply posts 'dims/bind' and stays disabled until the next report. */
export class BindSection {
  readonly el = h('section', { class: 'bind-section', 'aria-label': 'Symbolic dimensions', hidden: true });
  private fields = new Map<string, FieldHandle>();
  private applyButton: HTMLElement | null = null;
  private busy = false;

  constructor(
    private readonly host: Host<EditorState>,
    private readonly showStatus: (message: string | null, busy?: boolean) => void,
  ) {}

  render(r: ProfileReport): void {
    const syms = symbolsOf(r);
    this.el.hidden = syms.length === 0;
    this.fields = new Map();
    if (!syms.length) {
      this.el.replaceChildren();
      return;
    }
    // A dim the analysis derived (a decoder's total length) shows its value as a hint, not as a binding that
    // Apply would post back and so pin when the dims it follows change.
    const derived = r.derivedBindings ?? {};
    const inputs = syms.map((name) => {
      const value = r.bindings[name] !== undefined && derived[name] === undefined ? String(r.bindings[name]) : '';
      const placeholder = derived[name] !== undefined ? `${derived[name]} (derived)` : 'unbound (1)';
      const f = textField({ label: name, value, placeholder, numeric: true, size: 8, testId: `bind-input-${name}`, onEnter: () => this.apply() });
      this.fields.set(name, f);
      return f.el;
    });
    this.applyButton = button({ label: 'Apply', appearance: 'primary', testId: 'bind-apply', ariaLabel: 'Apply dimension bindings and re-profile', onClick: () => this.apply() });
    const unbound = r.unboundSymbols.length ? `Unbound dims count as 1 in totals: ${r.unboundSymbols.join(', ')}` : 'All symbolic dims are bound.';
    // Dims no binding reaches (a NonZero's count): said here too, so "all bound" does not read as "all known".
    const unknown = r.diagnostics.find((d) => d.code === 'unknown-dims');
    const notes = [h('p', { class: 'muted' }, unbound), ...(unknown ? [h('p', { class: 'muted', 'data-testid': 'unknown-dims' }, `${unknown.message[0].toUpperCase()}${unknown.message.slice(1)}.`)] : [])];
    this.el.replaceChildren(h('h2', { class: 'section-title' }, 'Symbolic dimensions'), ...notes, h('div', { class: 'bind-fields' }, ...inputs, this.applyButton));
  }

  /** While a re-profile runs: Apply is disabled and the section is marked busy. */
  setBusy(busy: boolean): void {
    this.busy = busy;
    if (this.applyButton) setDisabled(this.applyButton, busy);
    if (busy) this.el.setAttribute('aria-busy', 'true');
    else this.el.removeAttribute('aria-busy');
  }

  private apply(): void {
    if (this.busy || this.fields.size === 0) return;
    const bindings: Record<string, number> = {};
    let bad = false;
    for (const [name, f] of this.fields) {
      const v = parseDim(f.value);
      if (v === 'invalid') {
        f.setInvalid('Enter a non-negative integer');
        bad = true;
      } else {
        f.setInvalid(null);
        if (v !== null) bindings[name] = v;
      }
    }
    if (bad) {
      this.showStatus('Some dimension values are not non-negative integers.');
      return;
    }
    if (this.host.post({ type: 'dims/bind', bindings })) {
      this.setBusy(true);
      this.showStatus(`Re-profiling with ${Object.entries(bindings).map(([k, v]) => `${k}=${v}`).join(', ') || 'no bindings'}…`, true);
    }
  }
}

function card(title: string, value: string, testId: string, rawValue: string, ...extra: (Node | string)[]): HTMLElement {
  return h(
    'div',
    { class: 'card', role: 'group', 'aria-label': title },
    h('div', { class: 'card-title' }, title),
    h('div', { class: 'card-value', 'data-testid': testId, 'data-value': rawValue, title: rawValue }, value),
    ...extra.map((e) => (typeof e === 'string' ? h('div', { class: 'card-sub' }, e) : e)),
  );
}

export function summaryCards(r: ProfileReport, settings: ViewSettings): HTMLElement[] {
  const binary = settings.memoryUnit === 'binary';
  const t = r.totals;
  const macsFirst = settings.computeUnit === 'macs';
  const dtypeList = h('ul', { class: 'plain-list compact' });
  for (const [d, b] of Object.entries(t.weightBytesByDtype).sort((a, b2) => num(b2[1]) - num(a[1]))) dtypeList.append(h('li', undefined, `${d}: ${bytes(b, binary)}`));
  const cov = r.coverage;
  const covList = h('ul', { class: 'plain-list compact', 'aria-label': 'Uncovered op types', 'data-testid': 'uncovered-ops' });
  for (const u of cov.uncoveredOpTypes.slice(0, 8)) covList.append(h('li', undefined, `${opLabel(u)} ×${u.count}`));
  if (cov.uncoveredOpTypes.length > 8) covList.append(h('li', { class: 'muted' }, `+${cov.uncoveredOpTypes.length - 8} more`));
  return [
    card('Parameters', formatScaled(t.params, ''), 'summary-params', String(t.params), `${exact(t.params)} parameters`),
    card(
      macsFirst ? 'Compute (MACs)' : 'Compute (FLOPs)',
      macsFirst ? formatScaled(t.macs, 'MAC') : formatScaled(t.flops, 'FLOP'),
      'summary-flops',
      String(macsFirst ? t.macs : t.flops),
      macsFirst ? `${formatScaled(t.flops, 'FLOP')} · ${exact(t.flops)} FLOPs` : `${formatScaled(t.macs, 'MAC')} · ${exact(t.flops)} FLOPs`,
      ...(t.flopsExpression ? [h('div', { class: 'card-sub mono', title: t.flopsExpression }, `= ${t.flopsExpression}`)] : []),
    ),
    card('Weights', bytes(t.weightBytes, binary), 'summary-weights', String(t.weightBytes), dtypeList),
    card('Peak activation memory', bytes(t.peakActivationBytes, binary), 'summary-activations', String(t.peakActivationBytes), `Moved: ${bytes(num(t.bytesRead) + num(t.bytesWritten), binary)} read + written`),
    card('Coverage', `${cov.percent.toFixed(1)} %`, 'summary-coverage', String(cov.percent), `${cov.costedNodes.toLocaleString('en-US')} of ${cov.nodes.toLocaleString('en-US')} nodes costed${cov.unknownCostNodes ? `, ${cov.unknownCostNodes} unknown-cost` : ''}`, ...(cov.uncoveredOpTypes.length ? [covList] : [])),
    ...(r.moe ? [moeCard(r.moe)] : []),
  ];
}

/** "256 experts, top-8 + 1 shared", with the active and total params per token and the layers. */
function moeCard(moe: NonNullable<ProfileReport['moe']>): HTMLElement {
  const shared = moe.sharedExperts > 0 ? ` + ${moe.sharedExperts} shared` : '';
  const el = card(
    'Mixture of experts',
    `${moe.experts} experts, top-${moe.topK}${shared}`,
    'summary-moe',
    moeHeadline(moe),
    h('div', { class: 'card-sub', 'data-testid': 'summary-moe-active' }, `${paramCount(moe.activeParamsPerToken)} of ${paramCount(moe.totalParams)} params active per token`),
    moeDetail(moe),
  );
  el.classList.add('card-moe');
  return el;
}
