/**
 * The "Hardware" side panel (its own activity-bar container): compares the active model on the chosen
 * targets. It shows whatever model editor was focused last and writes the chosen targets/batch back to
 * that model's session.
 */
import * as vscode from 'vscode';
import type { ToWebviewMessage } from '../protocol/messages';
import type { SessionManager } from './modelSession';
import { activeModelMessage, receiveActiveModelMessage, type ActiveModelView, type ViewActions } from './viewMessages';
import { buildWebviewHtml, webviewOptions } from './webviewHtml';

export const HARDWARE_VIEW_ID = 'onnxProfiler.hardwareView';
const NO_MODEL = 'Open an ONNX model to compare hardware.';

export class HardwarePanelProvider implements vscode.WebviewViewProvider, vscode.Disposable {
  private view: vscode.WebviewView | undefined;
  private readonly subs: vscode.Disposable[] = [];
  private readonly routing: ActiveModelView;

  constructor(
    private readonly extensionUri: vscode.Uri,
    sessions: SessionManager,
    actions: ViewActions,
  ) {
    this.routing = { name: 'hardware view', noModel: NO_MODEL, sessions, actions, post: (m) => this.post(m) };
    this.subs.push(sessions.onDidChangeActive(() => this.update()));
  }

  resolveWebviewView(view: vscode.WebviewView): void {
    this.view = view;
    view.webview.options = webviewOptions(this.extensionUri);
    view.webview.html = buildWebviewHtml(view.webview, this.extensionUri, 'sidebar', 'Hardware');
    view.webview.onDidReceiveMessage((raw) => receiveActiveModelMessage(this.routing, raw));
    view.onDidDispose(() => {
      if (this.view === view) this.view = undefined;
    });
  }

  private post(m: ToWebviewMessage): void {
    void this.view?.webview.postMessage(m);
  }

  private update(): void {
    if (this.view) this.post(activeModelMessage(this.routing));
  }

  dispose(): void {
    this.subs.forEach((d) => d.dispose());
  }
}
