/**
 * The wide hardware comparison: a webview panel in the editor area (command "Compare Hardware", or the side
 * panel's "Open wide comparison"). It follows the model editor focused last, like the side panel, and
 * writes the chosen targets, batch, precision and what-if toggles back to that model's session.
 */
import * as vscode from 'vscode';
import { parseFromWebview, type ToWebviewMessage } from '../protocol/messages';
import type { SessionManager } from './modelSession';
import { handleViewMessage, sessionMessage, type ViewActions } from './viewMessages';
import { buildWebviewHtml, webviewOptions } from './webviewHtml';

export const COMPARE_VIEW_TYPE = 'onnxProfiler.compareView';
const NO_MODEL = 'Open an ONNX model (right-click it → Profile Model) to compare hardware.';

export class ComparePanel implements vscode.Disposable {
  private panel: vscode.WebviewPanel | undefined;
  private readonly subs: vscode.Disposable[] = [];

  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly sessions: SessionManager,
    private readonly actions: ViewActions,
  ) {
    this.subs.push(sessions.onDidChangeActive(() => this.update()));
  }

  /** Opens the comparison, or brings it to the front. */
  show(): vscode.WebviewPanel {
    if (this.panel) {
      this.panel.reveal(undefined, false);
      return this.panel;
    }
    const panel = vscode.window.createWebviewPanel(COMPARE_VIEW_TYPE, 'Compare Hardware', vscode.ViewColumn.Active, webviewOptions(this.extensionUri));
    panel.iconPath = vscode.Uri.joinPath(this.extensionUri, 'media', 'icons', 'activity.svg');
    panel.webview.html = buildWebviewHtml(panel.webview, this.extensionUri, 'compare', 'Compare Hardware');
    const sub = panel.webview.onDidReceiveMessage(async (raw) => {
      const parsed = parseFromWebview(raw);
      if (!parsed.ok) {
        this.actions.log(`dropped a message from the comparison: ${parsed.reason}`);
        return;
      }
      const session = this.sessions.active;
      if (parsed.message.type === 'view/ready') this.update();
      else if (!session) this.post({ type: 'report/progress', message: NO_MODEL });
      else await handleViewMessage(session, parsed.message, (m) => this.post(m), this.actions);
    });
    panel.onDidDispose(() => {
      sub.dispose();
      if (this.panel === panel) this.panel = undefined;
    });
    this.panel = panel;
    return panel;
  }

  private post(m: ToWebviewMessage): void {
    void this.panel?.webview.postMessage(m);
  }

  private update(): void {
    if (!this.panel) return;
    const session = this.sessions.active;
    this.post(session ? sessionMessage(session) : { type: 'report/progress', message: NO_MODEL });
  }

  dispose(): void {
    this.subs.forEach((d) => d.dispose());
    this.panel?.dispose();
  }
}
