// HTTP server for the webview tests: serves the built views under the same strict CSP VS Code uses
// (default-src 'none'; scripts only with the nonce; styles only from the server origin).
import http from 'node:http';
import { readFile } from 'node:fs/promises';
import path from 'node:path';

const TYPES = { '.js': 'text/javascript', '.css': 'text/css', '.map': 'application/json', '.html': 'text/html' };
const NONCE = 'dGVzdG5vbmNlMTIzNDU2Nzg';
const THEME_CLASS = { dark: 'vscode-dark', light: 'vscode-light', hc: 'vscode-high-contrast' };
const THEME_FILE = { dark: 'dark', light: 'light', hc: 'high-contrast' };

/**
 * csp 'nonce' (default, the recommended host HTML): style-src cspSource + the script nonce, and
 * <meta property="csp-nonce"> so the toolkit's FAST focus-visible probe (a temporary <style>) is allowed.
 * csp 'strict': style-src cspSource only; the probe is then blocked (one harmless violation, caught by FAST).
 */
function page(origin, view, theme, csp) {
  const styleSrc = csp === 'strict' ? origin : `${origin} 'nonce-${NONCE}'`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src ${origin} data:; font-src ${origin}; style-src ${styleSrc}; script-src 'nonce-${NONCE}';">
${csp === 'strict' ? '' : `<meta property="csp-nonce" content="${NONCE}">`}
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="stylesheet" href="/themes/${THEME_FILE[theme]}.css">
<link rel="stylesheet" href="/media/webview.css">
<script nonce="${NONCE}" src="/fake-host.js"></script>
<title>${view}</title>
</head>
<body class="${THEME_CLASS[theme]}" data-vscode-theme-kind="${THEME_CLASS[theme]}">
<div id="app"></div>
<script nonce="${NONCE}" src="/dist/webview/${view}.js"></script>
</body>
</html>`;
}

export async function startServer(repoRoot) {
  const testDir = path.join(repoRoot, 'test', 'webview');
  const server = http.createServer(async (req, res) => {
    try {
      const url = new URL(req.url, 'http://x');
      const origin = `http://${req.headers.host}`;
      let file;
      const m = url.pathname.match(/^\/(editor|sidebar|compare)\.html$/);
      if (m) {
        const theme = THEME_CLASS[url.searchParams.get('theme')] ? url.searchParams.get('theme') : 'dark';
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
        res.end(page(origin, m[1], theme, url.searchParams.get('csp') === 'strict' ? 'strict' : 'nonce'));
        return;
      }
      if (url.pathname === '/favicon.ico') {
        res.writeHead(204).end();
        return;
      }
      if (/^\/dist\/webview\/[\w.-]+$/.test(url.pathname)) file = path.join(repoRoot, url.pathname);
      else if (/^\/media\/[\w.-]+\.css$/.test(url.pathname)) file = path.join(repoRoot, url.pathname);
      else if (/^\/themes\/[\w.-]+\.css$/.test(url.pathname)) file = path.join(testDir, url.pathname);
      else if (url.pathname === '/fake-host.js') file = path.join(testDir, 'fakeHost.js');
      if (!file) {
        res.writeHead(404).end();
        return;
      }
      const body = await readFile(file);
      res.writeHead(200, { 'content-type': TYPES[path.extname(file)] ?? 'application/octet-stream' });
      res.end(body);
    } catch {
      res.writeHead(404).end();
    }
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address();
  return { url: `http://127.0.0.1:${port}`, close: () => new Promise((r) => server.close(r)) };
}
