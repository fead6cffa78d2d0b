/**
 * The "Hardware" side panel (its own activity-bar container): compares the active model on the chosen
 * targets. It shows whatever model editor was focused last and writes the chosen targets/batch back to
 * that model's session.
 */
import * as vscode from 'vscode';
import { parseFromWebview, type ToWebviewMessage } from '../protocol/messages';
import type { SessionManager } from './modelSession';
import { handleViewMessage, sessionMessage, type ViewActions } from './viewMessages';
import { buildWebviewHtml, webviewOptions } from './webviewHtml';

export const HARDWARE_VIEW_ID = 'onnxProfiler.hardwareView';

export class HardwarePanelProvider implements vscode.WebviewViewProvider, vscode.Disposable {
  private view: vscode.WebviewView | undefined;
  private readonly subs: vscode.Disposable[] = [];

  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly sessions: SessionManager,
    private readonly actions: ViewActions,
  ) {
    this.subs.push(sessions.onDidChangeActive(() => this.update()));
  }

  resolveWebviewView(view: vscode.WebviewView): void {
    this.view = view;
    view.webview.options = webviewOptions(this.extensionUri);
    view.webview.html = buildWebviewHtml(view.webview, this.extensionUri, 'sidebar', 'Hardware');
    view.webview.onDidReceiveMessage(async (raw) => {
      const parsed = parseFromWebview(raw);
      if (!parsed.ok) {
        this.actions.log(`dropped a message from the hardware view: ${parsed.reason}`);
        return;
      }
      const m = parsed.message;
      const session = this.sessions.active;
      if (m.type === 'view/ready') this.update();
      else if (m.type === 'compare/open') await this.actions.openCompare();
      else if (!session) this.post({ type: 'report/progress', message: 'Open an ONNX model to compare hardware.' });
      else await handleViewMessage(session, m, (x) => this.post(x), this.actions);
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
