/**
 * Entry point of the VS Code extension: wires the profile editor, the hardware panel, the graph text view,
 * diagnostics, the status bar and the commands around one SessionManager.
 */
import * as vscode from 'vscode';
import { ComparePanel } from './comparePanel';
import { exportFileName, renderExport, type ExportFormat } from './exporters';
import { GRAPH_SCHEME, GraphTextProvider, graphUriFor, modelUriOf } from './graphTextProvider';
import { HARDWARE_VIEW_ID, HardwarePanelProvider } from './hardwarePanelProvider';
import { ProfilerDiagnostics } from './diagnostics';
import { isLocalToExtensionHost, SessionManager, type ChoicesStore, type ModelSession } from './modelSession';
import { EDITOR_VIEW_TYPE, OnnxEditorProvider } from './onnxEditorProvider';
import { readChoices } from './sessionChoices';
import { readSettings } from './settings';
import { ProfilerStatusBar } from './statusBar';
import type { ViewActions } from './viewMessages';

/** What activate() returns: used by the integration tests (and other extensions, read-only). */
export interface ProfilerApi {
  readonly sessions: SessionManager;
  statusBarText(): string;
  /** The wide comparison panel, once opened ("Compare Hardware"). */
  comparePanel(): vscode.WebviewPanel | undefined;
  graphUriFor(model: vscode.Uri): vscode.Uri;
  /** Resolves when the session of `model` is no longer loading. */
  whenProfiled(model: vscode.Uri, timeoutMs?: number): Promise<ModelSession>;
}

const EXPORT_FORMATS: { format: ExportFormat; label: string; description: string }[] = [
  { format: 'json', label: 'JSON', description: 'the full report (same as onnx-profile --format json)' },
  { format: 'csv', label: 'CSV', description: 'one row per node' },
  { format: 'md', label: 'Markdown', description: 'summary and top nodes' },
  { format: 'netron', label: 'Netron attachment', description: 'per-node figures shown in Netron\'s sidebar' },
];

function activeModelUri(sessions: SessionManager): vscode.Uri | undefined {
  const tab = vscode.window.tabGroups.activeTabGroup.activeTab;
  if (tab?.input instanceof vscode.TabInputCustom && tab.input.viewType === EDITOR_VIEW_TYPE) return tab.input.uri;
  const doc = vscode.window.activeTextEditor?.document;
  if (doc) {
    const fromGraph = modelUriOf(doc.uri);
    if (fromGraph) return fromGraph;
    if (/\.onnx$/i.test(doc.uri.path)) return doc.uri;
  }
  return sessions.active?.uri;
}

export function activate(context: vscode.ExtensionContext): ProfilerApi {
  const log = vscode.window.createOutputChannel('ONNX Profiler', { log: true });
  const sessions = new SessionManager(context.extensionPath, workspaceChoicesStore(context.workspaceState));
  context.subscriptions.push(log, sessions);

  let editorProvider: OnnxEditorProvider;
  let graphProvider: GraphTextProvider;
  let comparePanel: ComparePanel;
  let openedCompare: vscode.WebviewPanel | undefined;

  const actions: ViewActions = {
    async revealInGraphText(session, nodeIndex) {
      await graphProvider.reveal(session, nodeIndex, false);
    },
    async openGraphText(session, nodeIndex) {
      if (nodeIndex !== undefined) await graphProvider.reveal(session, nodeIndex, true);
      else {
        const doc = await vscode.workspace.openTextDocument(graphUriFor(session.uri));
        await vscode.window.showTextDocument(doc, { viewColumn: vscode.ViewColumn.Beside, preview: true });
      }
    },
    async exportReport(session, format) {
      await exportReport(session, format);
    },
    async openCompare() {
      openedCompare = comparePanel.show();
      openedCompare.onDidDispose(() => (openedCompare = undefined));
    },
    chooseBaseline: (session) => chooseBaseline(session),
    log: (m) => log.warn(m),
  };

  /**
   * Sets what `session` is compared with: `picked` when given (null: stop comparing), else what the user picks,
   * a saved JSON report or a model; then re-analyses.
   */
  async function chooseBaseline(session: ModelSession, picked?: vscode.Uri | null): Promise<void> {
    let next: string | undefined;
    if (picked === null) next = undefined;
    else if (picked) next = picked.fsPath;
    else {
      if (session.baseline) {
        const name = session.baseline.split(/[\\/]/).pop();
        const choice = await vscode.window.showQuickPick([{ label: 'Choose another baseline…', stop: false }, { label: `Stop comparing with ${name}`, stop: true }], { placeHolder: `Compared with ${session.baseline}` });
        if (!choice) return;
        if (choice.stop) {
          if (session.setBaseline(undefined)) await session.reestimate();
          return;
        }
      }
      const uris = await vscode.window.showOpenDialog({
        canSelectMany: false,
        defaultUri: vscode.Uri.joinPath(session.uri, '..'),
        filters: { 'ONNX model or report saved as JSON': ['onnx', 'json'] },
        openLabel: 'Compare with',
      });
      const uri = uris?.[0];
      if (!uri) return;
      if (!isLocalToExtensionHost(uri)) {
        void vscode.window.showWarningMessage(`cannot compare with '${uri.toString()}': only files on disk can be read`);
        return;
      }
      next = uri.fsPath;
    }
    if (session.setBaseline(next)) await session.reestimate();
  }

  async function exportReport(session: ModelSession, format: ExportFormat, target?: vscode.Uri): Promise<vscode.Uri | undefined> {
    const s = session.state;
    if (s.kind !== 'ready') {
      void vscode.window.showWarningMessage(s.kind === 'error' ? `Nothing to export: ${s.message}` : 'The model is still being profiled.');
      return undefined;
    }
    const base = session.uri.path.split('/').pop() ?? 'model.onnx';
    const uri = target ?? (await vscode.window.showSaveDialog({
      defaultUri: vscode.Uri.joinPath(session.uri, '..', exportFileName(base, format)),
      filters: format === 'csv' ? { CSV: ['csv'] } : format === 'md' ? { Markdown: ['md'] } : { JSON: ['json'] },
    }));
    if (!uri) return undefined;
    await vscode.workspace.fs.writeFile(uri, Buffer.from(renderExport(format, s.report, s.estimates), 'utf8'));
    if (!target) void vscode.window.showInformationMessage(`Exported ${format.toUpperCase()} to ${uri.fsPath}`);
    return uri;
  }

  editorProvider = new OnnxEditorProvider(context.extensionUri, sessions, actions);
  graphProvider = new GraphTextProvider(sessions, (session, index) => editorProvider.revealNode(session, index), (m) => log.trace(m));
  const hardwarePanel = new HardwarePanelProvider(context.extensionUri, sessions, actions);
  comparePanel = new ComparePanel(context.extensionUri, sessions, actions);
  const diagnostics = new ProfilerDiagnostics(sessions, (session) => {
    const s = session.state;
    if (s.kind !== 'ready' || !s.hints) return [];
    // One Problem per hint and node it names: high-severity hints are warnings, medium information,
    // and low ones editor hints only (not listed in Problems), so small savings don't drown the list.
    return s.hints.flatMap((h) => {
      const severity = h.severity === 'high' ? ('warning' as const) : h.severity === 'medium' ? ('info' as const) : ('hint' as const);
      return h.nodes.length ? h.nodes.map((nodeIndex) => ({ severity, code: h.code, message: h.message, nodeIndex })) : [{ severity, code: h.code, message: h.message }];
    });
  });
  const statusBar = new ProfilerStatusBar(sessions);

  context.subscriptions.push(
    OnnxEditorProvider.register(editorProvider),
    vscode.workspace.registerTextDocumentContentProvider(GRAPH_SCHEME, graphProvider),
    vscode.languages.registerCodeLensProvider({ scheme: GRAPH_SCHEME }, graphProvider),
    graphProvider,
    vscode.window.registerWebviewViewProvider(HARDWARE_VIEW_ID, hardwarePanel),
    hardwarePanel,
    comparePanel,
    diagnostics,
    statusBar,

    vscode.commands.registerCommand('onnxProfiler.profileModel', async (arg?: vscode.Uri) => {
      let uri = arg instanceof vscode.Uri ? arg : activeModelUri(sessions);
      if (!uri) {
        const picked = await vscode.window.showOpenDialog({ canSelectMany: false, filters: { 'ONNX models': ['onnx'] }, openLabel: 'Profile' });
        uri = picked?.[0];
      }
      if (!uri) return;
      await vscode.commands.executeCommand('vscode.openWith', uri, EDITOR_VIEW_TYPE);
    }),
    vscode.commands.registerCommand('onnxProfiler.reprofile', async () => {
      const uri = activeModelUri(sessions);
      const session = uri && sessions.find(uri);
      if (session) await session.profile();
    }),
    vscode.commands.registerCommand('onnxProfiler.showGraphText', async (arg?: vscode.Uri) => {
      const model = arg instanceof vscode.Uri ? modelUriOf(arg) ?? arg : activeModelUri(sessions);
      if (!model) {
        void vscode.window.showInformationMessage('Open an ONNX model first (right-click it → Profile Model).');
        return;
      }
      const doc = await vscode.workspace.openTextDocument(graphUriFor(model));
      await vscode.window.showTextDocument(doc, { viewColumn: vscode.ViewColumn.Beside, preview: true });
    }),
    vscode.commands.registerCommand('onnxProfiler.revealNode', async (model: string | vscode.Uri, nodeIndex: number) => {
      const uri = typeof model === 'string' ? vscode.Uri.parse(model, true) : model;
      if (!editorProvider.hasPanel(uri)) await vscode.commands.executeCommand('vscode.openWith', uri, EDITOR_VIEW_TYPE, { viewColumn: vscode.ViewColumn.One, preserveFocus: true });
      const session = sessions.find(uri);
      if (session && Number.isSafeInteger(nodeIndex)) editorProvider.revealNode(session, nodeIndex);
    }),
    vscode.commands.registerCommand('onnxProfiler.export', async (format?: ExportFormat, target?: vscode.Uri) => {
      const uri = activeModelUri(sessions);
      const session = uri && sessions.find(uri);
      if (!session) {
        void vscode.window.showInformationMessage('Open an ONNX model in the profiler first.');
        return undefined;
      }
      const f = format ?? (await vscode.window.showQuickPick(EXPORT_FORMATS, { placeHolder: 'Export the profile as…' }))?.format;
      return f ? exportReport(session, f, target) : undefined;
    }),
    vscode.commands.registerCommand('onnxProfiler.compareWithBaseline', async (baseline?: vscode.Uri | null) => {
      const uri = activeModelUri(sessions);
      const session = uri && sessions.find(uri);
      if (!session) {
        void vscode.window.showInformationMessage('Open an ONNX model in the profiler first.');
        return;
      }
      await chooseBaseline(session, baseline instanceof vscode.Uri || baseline === null ? baseline : undefined);
    }),
    vscode.commands.registerCommand('onnxProfiler.showHardwarePanel', async () => {
      await vscode.commands.executeCommand(`${HARDWARE_VIEW_ID}.focus`);
    }),
    vscode.commands.registerCommand('onnxProfiler.compareHardware', async (arg?: vscode.Uri) => {
      // From the Explorer or an editor title: make that model the one compared.
      const uri = arg instanceof vscode.Uri ? arg : undefined;
      if (uri && !sessions.find(uri)) await vscode.commands.executeCommand('vscode.openWith', uri, EDITOR_VIEW_TYPE);
      const session = uri && sessions.find(uri);
      if (session) sessions.setActive(session);
      await actions.openCompare();
    }),
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (!e.affectsConfiguration('onnxProfiler')) return;
      for (const session of sessions.all) {
        if (['customHardware', 'efficiencyOverrides', 'execution', 'moeSkew'].some((key) => e.affectsConfiguration(`onnxProfiler.${key}`, session.uri))) void session.reestimate();
      }
      statusBar.update();
    }),
  );

  const problems = readSettings().customHardwareProblems;
  if (problems.length) log.warn(`onnxProfiler.customHardware: ${problems.join('; ')}`);

  return {
    sessions,
    statusBarText: () => statusBar.text,
    comparePanel: () => openedCompare,
    graphUriFor,
    whenProfiled(model, timeoutMs = 60_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const s = sessions.find(model);
          if (s && s.state.kind !== 'loading') {
            sub.dispose();
            clearTimeout(timer);
            resolve(s);
            return true;
          }
          return false;
        };
        const sub = sessions.onDidChangeSession(() => void check());
        const timer = setTimeout(() => {
          sub.dispose();
          reject(new Error(`${model.toString()} was not profiled within ${timeoutMs} ms`));
        }, timeoutMs);
        check();
      });
    },
  };
}

/** Each model's choices in the workspace memento: bound dims, targets, batch, precision and what-if survive a reload. */
function workspaceChoicesStore(memento: vscode.Memento): ChoicesStore {
  const key = (uri: vscode.Uri) => `onnxProfiler.choices:${uri.toString()}`;
  return {
    get: (uri) => readChoices(memento.get<unknown>(key(uri))),
    set: (uri, choices) => void memento.update(key(uri), choices),
  };
}

export function deactivate(): void {
  // Sessions (and their workers) are disposed with context.subscriptions.
}
