/**
 * The profile editor: a read-only custom editor, the default for *.onnx ("Open With…" still offers the
 * others). The document is a ModelSession; the webview (webview/editor) renders what the session holds and
 * sends back bindings, selections and export requests.
 */
import * as vscode from 'vscode';
import { parseFromWebview, type ToWebviewMessage } from '../protocol/messages';
import type { ModelSession, SessionManager } from './modelSession';
import { handleViewMessage, sessionMessage, type ViewActions } from './viewMessages';
import { buildWebviewHtml, webviewOptions } from './webviewHtml';

export const EDITOR_VIEW_TYPE = 'onnxProfiler.profileEditor';

export class OnnxDocument implements vscode.CustomDocument {
  constructor(readonly uri: vscode.Uri, readonly session: ModelSession, private readonly release: vscode.Disposable) {}
  dispose(): void {
    this.release.dispose();
  }
}

export class OnnxEditorProvider implements vscode.CustomReadonlyEditorProvider<OnnxDocument> {
  /** Open panels per model (a model can be open in several editor groups). */
  private readonly panels = new Map<string, Set<vscode.WebviewPanel>>();

  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly sessions: SessionManager,
    private readonly actions: ViewActions,
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
        void handleViewMessage(session, parsed.message, post, this.actions);
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

  /** Tells the open views of `session`'s model to select a node. */
  revealNode(session: ModelSession, nodeIndex: number): void {
    for (const p of this.panels.get(session.uri.toString()) ?? []) void p.webview.postMessage({ type: 'node/reveal', nodeIndex } satisfies ToWebviewMessage);
  }

  hasPanel(uri: vscode.Uri): boolean {
    return this.panels.has(uri.toString());
  }
}
