/**
 * HTML shell for the webviews (profile editor, side panel, wide comparison). Strict CSP: nothing but our
 * own script (by nonce), our own styles and images/fonts from the extension's folders. The script comes from dist/webview/<view>.js and the
 * stylesheet from media/<view>.css (when present).
 */
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as vscode from 'vscode';

export type ViewKind = 'editor' | 'sidebar' | 'compare';

/** Webview options: scripts on, and only dist/ and media/ readable. */
export function webviewOptions(extensionUri: vscode.Uri): vscode.WebviewOptions {
  return {
    enableScripts: true,
    enableCommandUris: false,
    localResourceRoots: [vscode.Uri.joinPath(extensionUri, 'dist'), vscode.Uri.joinPath(extensionUri, 'media')],
  };
}

function escapeAttr(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

export function buildWebviewHtml(webview: vscode.Webview, extensionUri: vscode.Uri, view: ViewKind, title: string): string {
  const nonce = randomBytes(16).toString('base64');
  const script = webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, 'dist', 'webview', `${view}.js`));
  const cssFiles = ['webview.css', `${view}.css`].filter((f) => fs.existsSync(vscode.Uri.joinPath(extensionUri, 'media', f).fsPath));
  const styles = cssFiles
    .map((f) => `<link rel="stylesheet" href="${escapeAttr(webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, 'media', f)).toString())}">`)
    .join('\n    ');
  const csp = [
    "default-src 'none'",
    `script-src 'nonce-${nonce}'`,
    // The nonce lets the toolkit's FAST runtime add its one feature-probe <style>; nothing else inline.
    `style-src ${webview.cspSource} 'nonce-${nonce}'`,
    `img-src ${webview.cspSource} data:`,
    `font-src ${webview.cspSource}`,
  ].join('; ');
  return `<!DOCTYPE html>
<html lang="en">
  <head>
    <meta charset="UTF-8">
    <meta http-equiv="Content-Security-Policy" content="${escapeAttr(csp)}">
    <meta property="csp-nonce" content="${nonce}">
    <meta name="viewport" content="width=device-width, initial-scale=1.0">
    ${styles}
    <title>${escapeAttr(title)}</title>
  </head>
  <body data-view="${view}">
    <div id="app" data-testid="app-root"></div>
    <script nonce="${nonce}" src="${escapeAttr(script.toString())}"></script>
  </body>
</html>`;
}
