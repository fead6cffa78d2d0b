/** Status bar: the active model's FLOPs, params and best target. Click: open the Hardware panel. */
import * as vscode from 'vscode';
import { formatScaled, formatSeconds } from '../core/report/units';
import type { SessionManager } from './modelSession';
import { readSettings } from './settings';

export class ProfilerStatusBar implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('onnxProfiler.status', vscode.StatusBarAlignment.Right, 100);
  private readonly subs: vscode.Disposable[] = [];

  constructor(private readonly sessions: SessionManager) {
    this.item.name = 'ONNX Profiler';
    this.item.command = 'onnxProfiler.showHardwarePanel';
    this.subs.push(sessions.onDidChangeActive(() => this.update()));
    this.update();
  }

  /** The text shown, for tests. */
  get text(): string {
    return this.item.text;
  }

  update(): void {
    const session = this.sessions.active;
    if (!session) {
      this.item.hide();
      return;
    }
    const s = session.state;
    if (s.kind === 'loading') {
      this.item.text = '$(sync~spin) Profiling…';
      this.item.tooltip = session.uri.fsPath;
    } else if (s.kind === 'error') {
      this.item.text = '$(error) ONNX: cannot profile';
      this.item.tooltip = s.message;
    } else {
      const unit = readSettings(session.uri).computeUnit;
      const t = s.report.totals;
      const compute = unit === 'macs' ? formatScaled(t.macs, 'MAC') : formatScaled(t.flops, 'FLOP');
      const parts = [`$(pulse) ${compute}`, `${formatScaled(t.params, '').trim()} params`];
      const best = s.estimates?.targets.find((e) => e.target === s.estimates?.bestTarget);
      if (best) parts.push(`best: ${best.targetName} ${formatSeconds(best.latencySeconds)}`);
      const applied = s.estimates?.whatIf.applied ?? [];
      if (applied.length) parts.push(`what-if: ${applied.length}`);
      this.item.text = parts.join(' · ');
      const unbound = s.report.unboundSymbols.length ? `\nUnbound dims (counted as 1): ${s.report.unboundSymbols.join(', ')}` : '';
      const whatIf = applied.length ? `\nWhat-if applied (figures are after these changes): ${applied.map((a) => a.id).join(', ')}` : '';
      this.item.tooltip = `${session.uri.fsPath}\nCoverage: ${s.report.coverage.percent}% of nodes costed${unbound}${whatIf}`;
    }
    this.item.show();
  }

  dispose(): void {
    this.subs.forEach((d) => d.dispose());
    this.item.dispose();
  }
}
