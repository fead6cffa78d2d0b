/**
 * The profile editor view: header, summary cards, symbolic-dim binding, the comparison with a baseline, charts
 * (FLOPs by op type, time per layer, roofline), the virtualised layer table with its detail pane. This file wires the parts
 * (state.ts, model.ts, summary.ts, charts.ts, layerTable.ts) to the host; it talks to the host only through
 * src/protocol/messages.ts, and every host message is validated.
 */
import type { ReportMessage } from '../../src/protocol/messages';
import { h, statusLine } from '../components';
import { createHost } from '../vscodeApi';
import { baselineSection } from './baseline';
import { charts, type ChartActions } from './charts';
import { LayerTable } from './layerTable';
import { Model, reportProblem } from './model';
import { EditorStore, type EditorState } from './state';
import { BindSection, header, summaryCards } from './summary';

class ProfileView {
  private model: Model | null = null;
  private readonly host = createHost<EditorState>('profile-editor');
  private readonly store = new EditorStore(this.host);
  private readonly status = statusLine();
  private readonly errorBar = h('div', { class: 'error-bar', role: 'alert', 'data-testid': 'error', hidden: true });
  private readonly headerEl = h('header', { class: 'view-header' });
  private readonly summaryEl = h('section', { class: 'summary-cards', 'aria-label': 'Model summary' });
  /** The comparison with a baseline, when one is chosen. */
  private readonly baselineEl = h('div', { class: 'baseline-slot' });
  private readonly chartsEl = h('section', { class: 'charts', 'aria-label': 'Charts' });
  private readonly emptyEl = h('div', { class: 'empty-state' }, 'Waiting for the profile…');
  private readonly bind = new BindSection(this.host, (m, busy) => this.status.show(m, busy));
  private readonly table = new LayerTable(this.store, this.host, () => this.target());
  private readonly chartActions: ChartActions = {
    filterOpType: (opType) => this.table.filterOpType(opType),
    chooseTarget: (target) => {
      this.store.persist({ target });
      this.renderCharts();
      this.table.refresh(false);
    },
    revealNode: (index) => this.table.reveal(index, true),
  };

  constructor(root: HTMLElement) {
    root.classList.add('profile-editor');
    root.replaceChildren(this.headerEl, this.status.el, this.errorBar, this.emptyEl, this.bind.el, this.summaryEl, this.baselineEl, this.chartsEl, this.table.el);
    this.host.onMessage((m) => {
      switch (m.type) {
        case 'report/show':
          this.show(m);
          break;
        case 'report/progress':
          this.status.show(m.message, true);
          break;
        case 'report/error':
          this.bind.setBusy(false);
          this.status.show(null);
          this.showError(m.message);
          this.emptyEl.hidden = this.model !== null;
          if (!this.model) this.emptyEl.textContent = 'The model could not be profiled.';
          break;
        case 'node/reveal':
          this.table.reveal(m.nodeIndex, false);
          break;
      }
    });
    // Test/diagnostic hook: read-only figures about the grid (no behaviour).
    (window as unknown as { __profileView?: unknown }).__profileView = { renderedRows: () => this.table.renderedRowCount, rowCount: () => this.table.rowCount };
    this.host.post({ type: 'view/ready' });
  }

  /** The target the time column, time chart and roofline show. */
  private target(): string {
    return this.model?.target(this.store.ui.target) ?? '';
  }

  private showError(message: string | null): void {
    this.errorBar.hidden = message === null;
    this.errorBar.textContent = message ?? '';
  }

  private renderCharts(): void {
    if (this.model) this.chartsEl.replaceChildren(...charts(this.model, this.target(), this.chartActions));
  }

  private show(msg: ReportMessage): void {
    performance.mark('show:start');
    const problem = reportProblem(msg.report);
    if (problem) {
      console.warn(`[profile-editor] dropped report/show: ${problem}`);
      return;
    }
    const firstReport = this.model === null;
    this.model = new Model(msg);
    this.bind.setBusy(false);
    this.emptyEl.hidden = true;
    this.showError(null);
    this.status.show(null);
    performance.mark('show:model');
    this.headerEl.replaceChildren(...header(msg, this.host));
    this.bind.render(msg.report);
    this.summaryEl.replaceChildren(...summaryCards(msg.report, msg.settings));
    this.baselineEl.replaceChildren(...(msg.baseline ? [baselineSection(msg.baseline, (m) => this.host.post(m), (index) => this.table.reveal(index, true))] : []));
    performance.mark('show:summary');
    this.renderCharts();
    performance.mark('show:charts');
    this.table.setModel(this.model, firstReport);
    performance.mark('show:end');
    // Timings per phase, readable in devtools (Performance > Timings) and by the tests.
    performance.measure('show: validate message', 'message:received', 'show:start');
    performance.measure('show: index report', 'show:start', 'show:model');
    performance.measure('show: header+summary', 'show:model', 'show:summary');
    performance.measure('show: charts', 'show:summary', 'show:charts');
    performance.measure('show: table', 'show:charts', 'show:end');
  }
}

new ProfileView(document.getElementById('app') ?? document.body.appendChild(h('div', { id: 'app' })));
