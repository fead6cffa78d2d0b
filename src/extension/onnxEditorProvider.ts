/**
 * The profile editor: a read-only custom editor, the default for *.onnx ("Open With…" still offers the
 * others). The document is a ModelSession; the webview (webview/editor) renders what the session holds and
 * sends back bindings, selections and export requests.
 */
import * as vscode from 'vscode';
import { parseFromWebview, type FromWebviewMessage, type ToWebviewMessage } from '../protocol/messages';
import type { ModelSession, SessionManager } from './modelSession';
import { resolveTargets } from './hardwareCatalog';
import { readSettings } from './settings';
import { buildWebviewHtml, webviewOptions } from './webviewHtml';

export const EDITOR_VIEW_TYPE = 'onnxProfiler.profileEditor';

export class OnnxDocument implements vscode.CustomDocument {
  constructor(readonly uri: vscode.Uri, readonly session: ModelSession, private readonly release: vscode.Disposable) {}
  dispose(): void {
    this.release.dispose();
  }
}

/** What the host side offers the editor webviews (implemented in extension.ts). */
export interface EditorActions {
  revealInGraphText(session: ModelSession, nodeIndex: number): Promise<void>;
  openGraphText(session: ModelSession, nodeIndex?: number): Promise<void>;
  exportReport(session: ModelSession, format: 'json' | 'csv' | 'md' | 'netron'): Promise<void>;
  log(message: string): void;
}

export function sessionMessage(session: ModelSession): ToWebviewMessage {
  const s = session.state;
  if (s.kind === 'loading') return { type: 'report/progress', message: s.message };
  if (s.kind === 'error') return { type: 'report/error', message: s.message };
  const settings = readSettings(session.uri);
  return {
    type: 'report/show',
    report: s.report,
    estimates: s.estimates,
    hints: s.hints,
    settings: {
      computeUnit: settings.computeUnit,
      memoryUnit: settings.memoryUnit,
      targets: session.targets,
      batch: session.batch,
      ...(session.precision ? { precision: session.precision } : {}),
      promptTokens: session.promptTokens,
      outputTokens: session.outputTokens,
    },
    catalog: resolveTargets([], settings.customHardware).available.map((t) => ({ id: t.id, name: t.name, deviceClass: t.deviceClass })),
  };
}

export class OnnxEditorProvider implements vscode.CustomReadonlyEditorProvider<OnnxDocument> {
  /** Open panels per model (a model can be open in several editor groups). */
  private readonly panels = new Map<string, Set<vscode.WebviewPanel>>();

  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly sessions: SessionManager,
    private readonly actions: EditorActions,
  ) {}

  static register(provider: OnnxEditorProvider): vscode.Disposable {
    // No retainContextWhenHidden: the view re-asks with 'view/ready' when shown again.
    return vscode.window.registerCustomEditorProvider(EDITOR_VIEW_TYPE, provider, { supportsMultipleEditorsPerDocument: true });
  }

  openCustomDocument(uri: vscode.Uri): OnnxDocument {
    const { session, release } = this.sessions.acquire(uri);
    return new OnnxDocument(uri, session, release);
  }

  resolveCustomEditor(document: OnnxDocument, panel: vscode.WebviewPanel): void {
    const session = document.session;
    const key = document.uri.toString();
    let set = this.panels.get(key);
    if (!set) this.panels.set(key, (set = new Set()));
    set.add(panel);

    panel.webview.options = webviewOptions(this.extensionUri);
    panel.webview.html = buildWebviewHtml(panel.webview, this.extensionUri, 'editor', `Profile: ${document.uri.path.split('/').pop()}`);
    const post = (m: ToWebviewMessage) => void panel.webview.postMessage(m);
    const subs: vscode.Disposable[] = [
      session.onDidChange(() => post(sessionMessage(session))),
      panel.webview.onDidReceiveMessage((raw) => {
        const parsed = parseFromWebview(raw);
        if (!parsed.ok) {
          this.actions.log(`dropped a message from the profile view: ${parsed.reason}`);
          return;
        }
        void this.handle(session, parsed.message, post);
      }),
      panel.onDidChangeViewState((e) => {
        if (e.webviewPanel.active) this.sessions.setActive(session);
      }),
    ];
    if (panel.active) this.sessions.setActive(session);
    panel.onDidDispose(() => {
      subs.forEach((d) => d.dispose());
      set?.delete(panel);
      if (set?.size === 0) this.panels.delete(key);
      if (this.sessions.active === session && !this.panels.has(key)) this.sessions.setActive(undefined);
    });
  }

  private async handle(session: ModelSession, m: FromWebviewMessage, post: (m: ToWebviewMessage) => void): Promise<void> {
    switch (m.type) {
      case 'view/ready':
        post(sessionMessage(session));
        return;
      case 'dims/bind':
        session.bindings = { ...m.bindings };
        await session.profile();
        return;
      case 'node/select':
        await this.actions.revealInGraphText(session, m.nodeIndex);
        return;
      case 'hardware/compare':
        if (session.setCompare(m.targets, m.batch, m.precision, { promptTokens: m.promptTokens, outputTokens: m.outputTokens })) await session.reestimate();
        else post(sessionMessage(session));
        return;
      case 'report/export':
        await this.actions.exportReport(session, m.format);
        return;
      case 'graph/open':
        await this.actions.openGraphText(session, m.nodeIndex);
        return;
    }
  }

  /** Tells the open views of `session`'s model to select a node. */
  revealNode(session: ModelSession, nodeIndex: number): void {
    for (const p of this.panels.get(session.uri.toString()) ?? []) void p.webview.postMessage({ type: 'node/reveal', nodeIndex } satisfies ToWebviewMessage);
  }

  hasPanel(uri: vscode.Uri): boolean {
    return this.panels.has(uri.toString());
  }
}
