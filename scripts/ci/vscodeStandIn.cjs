#!/usr/bin/env node
// Stands in for the VS Code executable of @vscode/test-electron's runTests (vscodeExecutablePath): it
// accepts VS Code's command line (--extensionDevelopmentPath=, --extensionTestsPath=, --user-data-dir=,
// --extensions-dir=, a workspace folder; other flags ignored), starts code-server with
// --enable-smoke-test-driver and opens the workbench in headless Chromium with a URL payload carrying the
// development and tests paths. The suite runs in code-server's real Node extension host. The workbench
// reports the extension host's console through window.codeAutomationLog (printed here) and the result
// through window.codeAutomationExit (our exit code).
//
// Env: TEST_TIMEOUT_MS (default 150000), TEST_RESULTS_FILE (where to write {passed, failed} read from the
// suite's ONNX_PROFILER_TEST_RESULT line), TEST_OUT (logs, default test-output/integration).
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const util = require('node:util');
const { ROOT, checkTools, startCodeServer, launchChromium, makeTmp } = require('./codeServer.cjs');

const argv = { positional: [] };
for (const a of process.argv.slice(2)) {
  const m = /^--([^=]+)(?:=(.*))?$/.exec(a);
  if (m) argv[m[1]] = m[2] === undefined ? true : m[2];
  else argv.positional.push(a);
}

const TIMEOUT = Number(process.env.TEST_TIMEOUT_MS || 150000);
const OUT = path.resolve(process.env.TEST_OUT || path.join(ROOT, 'test-output/integration'));
const t0 = Date.now();
const since = () => `${((Date.now() - t0) / 1000).toFixed(1)}s`;

async function main() {
  const missing = checkTools();
  if (missing.length) {
    console.error(`missing tools:\n  ${missing.join('\n  ')}`);
    return 1;
  }
  const extDir = path.resolve(argv.extensionDevelopmentPath || ROOT);
  const testsPath = path.resolve(argv.extensionTestsPath);
  const workspace = path.resolve(argv.positional[0] || ROOT);
  fs.mkdirSync(OUT, { recursive: true });
  const tmp = makeTmp('onnxprof-exthost-');
  let server;
  let browser;
  try {
    server = await startCodeServer({
      tmp,
      userDataDir: argv['user-data-dir'] ? path.resolve(argv['user-data-dir']) : undefined,
      extensionsDir: argv['extensions-dir'] ? path.resolve(argv['extensions-dir']) : undefined,
      logFile: path.join(OUT, 'code-server.log'),
      extraArgs: ['--vscode-option', 'enable-smoke-test-driver'],
    });
    console.log(`[${since()}] code-server listening on ${server.port}`);
    browser = await launchChromium(tmp, server.env);
    const page = browser.pages()[0] || (await browser.newPage());
    const done = new Promise((resolve) => { void page.exposeFunction('codeAutomationExit', (code) => resolve(code)); });
    await page.exposeFunction('codeAutomationLog', (type, args) => {
      const line = util.format(...(args || []));
      const m = /ONNX_PROFILER_TEST_RESULT (\{.*\})/.exec(line);
      if (m && process.env.TEST_RESULTS_FILE) fs.writeFileSync(process.env.TEST_RESULTS_FILE, m[1]);
      if (/ENOTFOUND|authentication provider|vsda|Ignoring fetching additional builtin extensions|AccountPolicyGate|Creating a socket|connection token|reconnection-grace-time/.test(line)) return; // offline / workbench noise
      console.log(line);
    });
    const remote = (p) => `vscode-remote://127.0.0.1:${server.port}${p}`;
    await page.goto(server.url(workspace, [
      ['extensionDevelopmentPath', remote(extDir)],
      ['extensionTestsPath', remote(testsPath)],
      ['skipWelcome', 'true'],
    ]));
    console.log(`[${since()}] workbench opened; running the suite in the extension host`);
    const result = await Promise.race([done, new Promise((r) => setTimeout(() => r('timeout'), TIMEOUT))]);
    if (result === 'timeout') {
      await page.screenshot({ path: path.join(OUT, 'exthost-timeout.png') }).catch(() => {});
      console.error(`the suite did not finish within ${TIMEOUT} ms (screenshot: ${path.join(OUT, 'exthost-timeout.png')})`);
      return 1;
    }
    console.log(`[${since()}] extension host finished with code ${result}`);
    return Number(result);
  } catch (e) {
    console.error('stand-in error:', e);
    return 1;
  } finally {
    if (browser) await browser.close().catch(() => {});
    server?.stop();
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

main().then((code) => process.exit(code));
