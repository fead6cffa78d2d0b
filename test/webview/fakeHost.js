// Fake VS Code host for the webview tests: records posted messages and state, lets the test post host
// messages, and records CSP violations. Served with the page nonce, like VS Code's own preload.
(() => {
  window.__posted = [];
  window.__cspViolations = [];
  document.addEventListener('securitypolicyviolation', (e) => {
    window.__cspViolations.push(`${e.violatedDirective} blocked ${e.blockedURI || '(inline)'} at ${e.sourceFile}:${e.lineNumber}`);
  });
  let state = window.__initialState;
  let acquired = false;
  window.acquireVsCodeApi = () => {
    if (acquired) throw new Error('An instance of the VS Code API has already been acquired');
    acquired = true;
    return Object.freeze({
      postMessage: (m) => window.__posted.push(JSON.parse(JSON.stringify(m))),
      getState: () => state,
      setState: (s) => {
        state = JSON.parse(JSON.stringify(s));
        window.__state = state;
        return s;
      },
    });
  };
  window.__hostSend = (m) => window.postMessage(m, '*');
})();
