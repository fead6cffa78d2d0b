/**
 * The "Hardware" side panel (its own activity-bar container): compares the active model on the chosen
 * targets. It shows whatever model editor was focused last and writes the chosen targets/batch back to
 * that model's session.
 */
import * as vscode from 'vscode';
import { parseFromWebview, type ToWebviewMessage } from '../protocol/messages';
import { sessionMessage, type EditorActions } from './onnxEditorProvider';
import type { SessionManager } from './modelSession';
import { buildWebviewHtml, webviewOptions } from './webviewHtml';

export const HARDWARE_VIEW_ID = 'onnxProfiler.hardwareView';

export class HardwarePanelProvider implements vscode.WebviewViewProvider, vscode.Disposable {
  private view: vscode.WebviewView | undefined;
  private readonly subs: vscode.Disposable[] = [];

  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly sessions: SessionManager,
    private readonly actions: EditorActions,
  ) {
    this.subs.push(sessions.onDidChangeActive(() => this.update()));
  }

  resolveWebviewView(view: vscode.WebviewView): void {
    this.view = view;
    view.webview.options = webviewOptions(this.extensionUri);
    view.webview.html = buildWebviewHtml(view.webview, this.extensionUri, 'sidebar', 'Hardware');
    const post = (m: ToWebviewMessage) => this.post(m);
    view.webview.onDidReceiveMessage(async (raw) => {
      const parsed = parseFromWebview(raw);
      if (!parsed.ok) {
        this.actions.log(`dropped a message from the hardware view: ${parsed.reason}`);
        return;
      }
      const m = parsed.message;
      const session = this.sessions.active;
      if (m.type === 'view/ready') this.update();
      else if (!session) this.post({ type: 'report/progress', message: 'Open an ONNX model to compare hardware.' });
      else if (m.type === 'hardware/compare') {
        if (session.setCompare(m.targets, m.batch, m.precision, { promptTokens: m.promptTokens, outputTokens: m.outputTokens })) await session.reestimate();
        else post(sessionMessage(session));
      } else if (m.type === 'dims/bind') {
        session.bindings = { ...m.bindings };
        await session.profile();
      } else if (m.type === 'node/select') await this.actions.revealInGraphText(session, m.nodeIndex);
      else if (m.type === 'report/export') await this.actions.exportReport(session, m.format);
      else if (m.type === 'graph/open') await this.actions.openGraphText(session, m.nodeIndex);
    });
    view.onDidDispose(() => {
      if (this.view === view) this.view = undefined;
    });
  }

  private post(m: ToWebviewMessage): void {
    void this.view?.webview.postMessage(m);
  }

  private update(): void {
    if (!this.view) return;
    const session = this.sessions.active;
    this.post(session ? sessionMessage(session) : { type: 'report/progress', message: 'Open an ONNX model to compare hardware.' });
  }

  dispose(): void {
    this.subs.forEach((d) => d.dispose());
  }
}
