/**
 * The wide hardware comparison: a webview panel in the editor area (command "Compare Hardware", or the side
 * panel's "Open wide comparison"). It follows the model editor focused last, like the side panel, and
 * writes the chosen targets, batch, precision and what-if toggles back to that model's session.
 */
import * as vscode from 'vscode';
import type { ToWebviewMessage } from '../protocol/messages';
import type { SessionManager } from './modelSession';
import { activeModelMessage, receiveActiveModelMessage, type ActiveModelView, type ViewActions } from './viewMessages';
import { buildWebviewHtml, webviewOptions } from './webviewHtml';

export const COMPARE_VIEW_TYPE = 'onnxProfiler.compareView';
const NO_MODEL = 'Open an ONNX model (right-click it → Profile Model) to compare hardware.';

export class ComparePanel implements vscode.Disposable {
  private panel: vscode.WebviewPanel | undefined;
  private readonly subs: vscode.Disposable[] = [];
  private readonly routing: ActiveModelView;

  constructor(
    private readonly extensionUri: vscode.Uri,
    sessions: SessionManager,
    actions: ViewActions,
  ) {
    this.routing = { name: 'comparison', noModel: NO_MODEL, sessions, actions, post: (m) => this.post(m) };
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
    const sub = panel.webview.onDidReceiveMessage((raw) => receiveActiveModelMessage(this.routing, raw));
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
    if (this.panel) this.post(activeModelMessage(this.routing));
  }

  dispose(): void {
    this.subs.forEach((d) => d.dispose());
    this.panel?.dispose();
  }
}
