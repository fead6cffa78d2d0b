/**
 * The `onnx-graph:` virtual document: a model's graph in ONNX's textual syntax, read-only, with a CodeLens
 * per node (FLOPs, params, and time on the best target when estimates exist). Moving the cursor onto a
 * node selects it in the profile table; selecting a row in the table reveals its line here.
 */
import * as vscode from 'vscode';
import type { ProfileReport } from '../core/report/reportTypes';
import { nodeSecondsByIndex } from '../protocol/payloads';
import { flopsText, formatScaled, formatSeconds } from './exporters';
import type { ModelSession, SessionManager } from './modelSession';
import { readSettings } from './settings';

export const GRAPH_SCHEME = 'onnx-graph';

export function graphUriFor(model: vscode.Uri): vscode.Uri {
  return vscode.Uri.from({ scheme: GRAPH_SCHEME, path: `${model.path}.txt`, query: model.toString() });
}

export function modelUriOf(graph: vscode.Uri): vscode.Uri | undefined {
  if (graph.scheme !== GRAPH_SCHEME || !graph.query) return undefined;
  try {
    return vscode.Uri.parse(graph.query, true);
  } catch {
    return undefined;
  }
}

export class GraphTextProvider implements vscode.TextDocumentContentProvider, vscode.CodeLensProvider, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<vscode.Uri>();
  readonly onDidChange = this.changed.event;
  private readonly lensChanged = new vscode.EventEmitter<void>();
  readonly onDidChangeCodeLenses = this.lensChanged.event;
  /** Sessions held open by graph documents, by model URI. */
  private readonly held = new Map<string, vscode.Disposable>();
  private readonly subs: vscode.Disposable[] = [];
  /** Line we moved the cursor to ourselves (don't echo it back to the table). */
  private programmaticLine: { uri: string; line: number } | undefined;
  /** Text last provided per model URI. */
  private readonly provided = new Map<string, string>();
  private readonly lensInputs = new Map<string, unknown[]>();

  constructor(
    private readonly sessions: SessionManager,
    private readonly onNodeSelected: (session: ModelSession, nodeIndex: number) => void,
    private readonly trace: (message: string) => void = () => {},
  ) {
    this.subs.push(
      sessions.onDidChangeSession((s) => {
        const state = s.state;
        if (state.kind === 'loading') return;
        const key = s.uri.toString();
        // Re-send the text only when it changed (a content change resets the editor's CodeLens).
        const text = state.kind === 'ready' ? state.graphText?.text : state.message;
        if (this.provided.has(key) && this.provided.get(key) !== text) this.changed.fire(graphUriFor(s.uri));
        // Refresh CodeLens only when what they show changed (a refresh cancels one in flight).
        const shown = state.kind === 'ready' ? [state.report, state.estimates] : [];
        const before = this.lensInputs.get(key);
        if (!before || before[0] !== shown[0] || before[1] !== shown[1]) {
          this.lensInputs.set(key, shown);
          this.lensChanged.fire();
        }
      }),
      vscode.workspace.onDidCloseTextDocument((doc) => {
        const model = modelUriOf(doc.uri);
        if (!model) return;
        this.held.get(model.toString())?.dispose();
        this.held.delete(model.toString());
        this.provided.delete(model.toString());
      }),
      vscode.window.onDidChangeTextEditorSelection((e) => this.selectionChanged(e)),
      // The workbench does not always ask for CodeLens when a virtual document first shows (seen under
      // code-server): ask it to refresh once the graph editor is visible.
      vscode.window.onDidChangeVisibleTextEditors((editors) => {
        if (!editors.some((e) => e.document.uri.scheme === GRAPH_SCHEME)) return;
        for (const ms of [150, 1000]) {
          const t = setTimeout(() => this.lensChanged.fire(), ms);
          this.subs.push(new vscode.Disposable(() => clearTimeout(t)));
        }
      }),
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration('onnxProfiler')) this.lensChanged.fire();
      }),
    );
  }

  /** The session behind a graph document (acquired and held while the document is open). */
  sessionFor(graph: vscode.Uri): ModelSession | undefined {
    const model = modelUriOf(graph);
    if (!model) return undefined;
    const key = model.toString();
    if (!this.held.has(key)) {
      const { release } = this.sessions.acquire(model);
      this.held.set(key, release);
    }
    return this.sessions.find(model);
  }

  async provideTextDocumentContent(uri: vscode.Uri, token: vscode.CancellationToken): Promise<string> {
    const session = this.sessionFor(uri);
    if (!session) return '# not an ONNX graph document\n';
    if (session.state.kind === 'loading') {
      await new Promise<void>((resolve) => {
        const sub = session.onDidChange((s) => {
          if (s.state.kind !== 'loading') {
            sub.dispose();
            resolve();
          }
        });
        token.onCancellationRequested(() => {
          sub.dispose();
          resolve();
        });
      });
    }
    const s = session.state;
    const key = session.uri.toString();
    if (s.kind === 'error') {
      this.provided.set(key, s.message);
      return `# ${session.uri.path.split('/').pop()}: ${s.message}\n`;
    }
    if (s.kind === 'ready' && s.graphText) {
      this.provided.set(key, s.graphText.text);
      return s.graphText.text;
    }
    return '# profiling…\n';
  }

  provideCodeLenses(document: vscode.TextDocument): vscode.CodeLens[] {
    if (!readSettings().codeLens) return [];
    const model = modelUriOf(document.uri);
    const session = model && this.sessions.find(model);
    const s = session?.state;
    if (!session || !s || s.kind !== 'ready' || !s.graphText) {
      this.trace(`CodeLens for ${document.uri.toString()}: none (session ${session ? s?.kind : 'missing'})`);
      return [];
    }
    const unit = readSettings(session.uri).computeUnit;
    const lenses: vscode.CodeLens[] = [];
    const best = s.estimates?.bestTarget ?? null;
    const seconds = nodeSecondsByIndex(best === null ? undefined : s.estimates?.nodeTimes[best]);
    s.graphText.nodeLines.forEach((line, index) => {
      if (line < 0 || line >= document.lineCount) return;
      const n = s.report.nodes[index];
      if (!n) return;
      const range = new vscode.Range(line, 0, line, 0);
      lenses.push(new vscode.CodeLens(range, {
        title: lensTitle(s.report, index, unit, best, seconds.get(n.index) ?? null),
        tooltip: `${n.opType} '${n.name}': show in the profile table`,
        command: 'onnxProfiler.revealNode',
        arguments: [session.uri.toString(), index],
      }));
    });
    this.trace(`CodeLens for ${document.uri.path}: ${lenses.length}`);
    return lenses;
  }

  /** Moves the cursor of visible (or newly opened) graph editors to the node's line. */
  async reveal(session: ModelSession, nodeIndex: number, openIfClosed: boolean): Promise<vscode.TextEditor | undefined> {
    const uri = graphUriFor(session.uri);
    let editor = vscode.window.visibleTextEditors.find((e) => e.document.uri.toString() === uri.toString());
    if (!editor && openIfClosed) {
      const doc = await vscode.workspace.openTextDocument(uri);
      editor = await vscode.window.showTextDocument(doc, { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true, preview: true });
    }
    if (!editor) return undefined;
    const s = session.state;
    const line = s.kind === 'ready' ? s.graphText?.nodeLines[nodeIndex] ?? -1 : -1;
    if (line >= 0 && line < editor.document.lineCount) {
      const pos = new vscode.Position(line, 0);
      this.programmaticLine = { uri: uri.toString(), line };
      editor.selection = new vscode.Selection(pos, pos);
      editor.revealRange(new vscode.Range(pos, pos), vscode.TextEditorRevealType.InCenterIfOutsideViewport);
    }
    return editor;
  }

  private selectionChanged(e: vscode.TextEditorSelectionChangeEvent): void {
    const uri = e.textEditor.document.uri;
    if (uri.scheme !== GRAPH_SCHEME) return;
    const line = e.selections[0]?.active.line;
    if (line === undefined) return;
    const own = this.programmaticLine;
    this.programmaticLine = undefined;
    if (own && own.uri === uri.toString() && own.line === line) return;
    const model = modelUriOf(uri);
    const session = model && this.sessions.find(model);
    const s = session?.state;
    if (!session || s?.kind !== 'ready' || !s.graphText) return;
    const index = s.graphText.nodeLines.indexOf(line);
    if (index >= 0) this.onNodeSelected(session, index);
  }

  dispose(): void {
    this.subs.forEach((d) => d.dispose());
    this.held.forEach((d) => d.dispose());
    this.held.clear();
    this.changed.dispose();
    this.lensChanged.dispose();
  }
}

function lensTitle(report: ProfileReport, index: number, unit: 'flops' | 'macs', best: string | null, seconds: number | null): string {
  const n = report.nodes[index];
  const parts: string[] = [];
  if (n.status === 'costed') parts.push(flopsText(unit === 'macs' ? n.macs : n.flops, unit));
  else parts.push(n.status === 'uncovered' ? 'no cost rule' : 'cost unknown (shapes unknown)');
  if (n.flopsExpression) parts.push(`= ${n.flopsExpression}`);
  const params = typeof n.params === 'number' ? n.params : Number(n.params);
  if (params > 0) parts.push(`${formatScaled(params, '').trim()} params`);
  if (best && seconds !== null) parts.push(`${formatSeconds(seconds)} on ${best}`);
  return parts.join(' · ');
}
