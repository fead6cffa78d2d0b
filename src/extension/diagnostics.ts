/**
 * Problems: load errors and report diagnostics on the model file, and per-node findings (hints, nodes
 * without a cost rule, shape-inference warnings) as squiggles on the node's line in the graph text view.
 * The list stays readable for any model: on the file, a code's diagnostics after the first few fold into
 * one line with their count (core groupDiagnostics); in the graph text, each code marks at most
 * MAX_LINES_PER_CODE lines and one more line says how many were left unmarked.
 */
import * as vscode from 'vscode';
import { groupDiagnostics } from '../core/report/diagnostics';
import type { ReportDiagnostic } from '../core/report/reportTypes';
import { graphUriFor } from './graphTextProvider';
import type { ModelSession, SessionManager } from './modelSession';

const SOURCE = 'ONNX Profiler';
/** Graph-text lines one code may mark (a model with 10,000 uncovered nodes would bury the Problems panel). */
const MAX_LINES_PER_CODE = 20;

function severity(s: ReportDiagnostic['severity'] | 'hint'): vscode.DiagnosticSeverity {
  switch (s) {
    case 'error': return vscode.DiagnosticSeverity.Error;
    case 'warning': return vscode.DiagnosticSeverity.Warning;
    case 'info': return vscode.DiagnosticSeverity.Information;
    case 'hint': return vscode.DiagnosticSeverity.Hint;
  }
}

/** A hint from src/core/hints (when that exists), in the shape the diagnostics need. */
export interface NodeHint {
  readonly severity: 'error' | 'warning' | 'info' | 'hint';
  readonly code: string;
  readonly message: string;
  /** Report node index the hint is about, if any. */
  readonly nodeIndex?: number;
}

export class ProfilerDiagnostics implements vscode.Disposable {
  private readonly collection = vscode.languages.createDiagnosticCollection('onnxProfiler');
  private readonly subs: vscode.Disposable[] = [];

  constructor(sessions: SessionManager, private readonly hintsFor: (session: ModelSession) => readonly NodeHint[] = () => []) {
    this.subs.push(
      sessions.onDidChangeSession((s) => this.update(s)),
      sessions.onDidCloseSession((uri) => {
        this.collection.delete(uri);
        this.collection.delete(graphUriFor(uri));
      }),
    );
  }

  update(session: ModelSession): void {
    const s = session.state;
    const graphUri = graphUriFor(session.uri);
    if (s.kind === 'loading') return;
    if (s.kind === 'error') {
      const d = new vscode.Diagnostic(new vscode.Range(0, 0, 0, 0), s.message, vscode.DiagnosticSeverity.Error);
      d.source = SOURCE;
      d.code = s.code;
      this.collection.set(session.uri, [d]);
      this.collection.delete(graphUri);
      return;
    }
    const report = s.report;
    const lines = s.graphText?.nodeLines ?? [];
    const byName = new Map<string, number>();
    for (const n of report.nodes) if (!byName.has(n.name)) byName.set(n.name, n.index);
    const fileDiags: vscode.Diagnostic[] = [];
    const graphDiags: vscode.Diagnostic[] = [];
    const lineRange = (index: number | undefined) => {
      const line = index === undefined ? -1 : lines[index] ?? -1;
      return line >= 0 ? new vscode.Range(line, 0, line, 10_000) : undefined;
    };
    for (const r of groupDiagnostics(report.diagnostics)) {
      const d = new vscode.Diagnostic(new vscode.Range(0, 0, 0, 0), r.node ? `${r.node}: ${r.message}` : r.message, severity(r.severity));
      d.source = SOURCE;
      d.code = r.code;
      fileDiags.push(d);
    }
    for (const r of report.diagnostics) {
      const range = lineRange(r.node !== undefined ? byName.get(r.node) : undefined);
      if (range) {
        const g = new vscode.Diagnostic(range, r.message, severity(r.severity));
        g.source = SOURCE;
        g.code = r.code;
        graphDiags.push(g);
      }
    }
    const fileHints = new Set<string>();
    for (const h of this.hintsFor(session)) {
      const key = `${h.code}\u0000${h.message}`;
      if (!fileHints.has(key)) {
        fileHints.add(key);
        const d = new vscode.Diagnostic(new vscode.Range(0, 0, 0, 0), h.message, severity(h.severity));
        d.source = SOURCE;
        d.code = h.code;
        fileDiags.push(d);
      }
      const range = lineRange(h.nodeIndex);
      if (range) {
        const g = new vscode.Diagnostic(range, h.message, severity(h.severity));
        g.source = SOURCE;
        g.code = h.code;
        graphDiags.push(g);
      }
    }
    // Nodes the profiler could not cost: an information squiggle on their line.
    for (const n of report.nodes) {
      if (n.status === 'costed') continue;
      const range = lineRange(n.index);
      if (!range) continue;
      const msg = n.status === 'uncovered'
        ? `no cost rule for ${n.domain ? `${n.domain}.` : ''}${n.opType}: its cost is unknown (not counted as 0)`
        : `cost of ${n.opType} unknown: its input shapes are unknown (bind the symbolic dims)`;
      const g = new vscode.Diagnostic(range, msg, vscode.DiagnosticSeverity.Information);
      g.source = SOURCE;
      g.code = n.status;
      graphDiags.push(g);
    }
    this.collection.set(session.uri, fileDiags);
    this.collection.set(graphUri, capPerCode(graphDiags, MAX_LINES_PER_CODE));
  }

  dispose(): void {
    this.subs.forEach((d) => d.dispose());
    this.collection.dispose();
  }
}

/** The first `max` diagnostics of each code, and per code with more, one line-0 diagnostic counting the rest. */
function capPerCode(diagnostics: readonly vscode.Diagnostic[], max: number): vscode.Diagnostic[] {
  const seen = new Map<string, number>();
  const kept: vscode.Diagnostic[] = [];
  for (const d of diagnostics) {
    const code = String(d.code ?? '');
    const n = (seen.get(code) ?? 0) + 1;
    seen.set(code, n);
    if (n <= max) kept.push(d);
  }
  for (const [code, n] of seen) {
    if (n <= max) continue;
    const d = new vscode.Diagnostic(new vscode.Range(0, 0, 0, 0), `${n - max} more lines with '${code}' are not marked (the first ${max} are; the profile table lists them all)`, vscode.DiagnosticSeverity.Information);
    d.source = SOURCE;
    d.code = code;
    kept.push(d);
  }
  return kept;
}
