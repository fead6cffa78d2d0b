#!/usr/bin/env node
// Webview component tests: builds the views, serves dist/webview/*.js + media/*.css on 127.0.0.1 under
// a strict CSP with a fake `acquireVsCodeApi`, and drives headless Chromium with playwright-core.
//
//   node scripts/runWebviewTests.mjs [--no-build] [--filter text]
//
// Env: CHROMIUM_PATH (default /usr/bin/chromium). Screenshots go to test-output/screenshots/.
// Ends with a plain "N passed, N failed" line; exit code 1 when anything failed.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import os from 'node:os';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const filter = args.includes('--filter') ? args[args.indexOf('--filter') + 1] : null;

if (!args.includes('--no-build')) execFileSync(process.execPath, ['esbuild.config.mjs'], { cwd: root, stdio: 'inherit' });
for (const v of ['editor', 'sidebar', 'compare']) {
  if (!existsSync(path.join(root, 'dist', 'webview', `${v}.js`))) {
    console.error(`dist/webview/${v}.js is missing: build failed?`);
    process.exit(1);
  }
}

// The protocol validators, unit formatters and the baseline comparison, bundled for Node so tests check
// posted messages and build payloads with the very code the host uses.
const esbuild = await import('esbuild');
const libFile = path.join(os.tmpdir(), `webview-test-lib-${process.pid}.mjs`);
await esbuild.build({
  stdin: { contents: "export * from './src/protocol/messages'; export * from './src/core/report/units'; export { compareWithBaseline } from './src/core/report/baseline';", resolveDir: root, loader: 'ts' },
  bundle: true,
  format: 'esm',
  platform: 'node',
  outfile: libFile,
  logLevel: 'warning',
});
const lib = await import(pathToFileURL(libFile).href);

const { chromium } = await import('playwright-core');
const { startServer } = await import(pathToFileURL(path.join(root, 'test/webview/harness.mjs')).href);

const screenshotsDir = path.join(root, 'test-output', 'screenshots');
mkdirSync(screenshotsDir, { recursive: true });

const server = await startServer(root);
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update'],
});

const figures = [];
const ctx = {
  lib,
  root,
  screenshotsDir,
  figure: (line) => {
    figures.push(line);
    console.log(`    · ${line}`);
  },
  /** Opens a view with the fake host. Returns helpers; collects page errors and console errors. */
  async open(view, { theme = 'dark', state, viewport = { width: 1400, height: 900 }, csp = 'nonce' } = {}) {
    const context = await browser.newContext({ viewport, deviceScaleFactor: 1 });
    const page = await context.newPage();
    const errors = [];
    const warnings = [];
    page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(`console.error: ${m.text()}`);
      if (m.type() === 'warning') warnings.push(m.text());
    });
    if (state !== undefined) await page.addInitScript((s) => (window.__initialState = s), state);
    await page.goto(`${server.url}/${view}.html?theme=${theme}&csp=${csp}`);
    await page.waitForFunction(() => window.__posted.some((m) => m.type === 'view/ready'));
    return {
      page,
      errors,
      warnings,
      close: () => context.close(),
      posted: () => page.evaluate(() => window.__posted),
      clearPosted: () => page.evaluate(() => (window.__posted.length = 0)),
      send: (msg) => page.evaluate((m) => window.__hostSend(m), msg),
      state: () => page.evaluate(() => window.__state),
      csp: () => page.evaluate(() => window.__cspViolations),
    };
  },
};

const tests = [];
for (const f of readdirSync(path.join(root, 'test', 'webview')).filter((x) => x.endsWith('.test.mjs')).sort()) {
  const mod = await import(pathToFileURL(path.join(root, 'test', 'webview', f)).href);
  for (const t of mod.tests) tests.push({ ...t, file: f });
}

let passed = 0;
let failed = 0;
let skipped = 0;
const started = Date.now();
for (const t of tests) {
  if (filter && !t.name.includes(filter)) continue;
  const t0 = Date.now();
  try {
    const r = await Promise.race([t.fn(ctx), new Promise((_, rej) => setTimeout(() => rej(new Error('timed out after 90 s')), 90_000))]);
    if (r === 'skip') {
      skipped++;
      console.log(`  - ${t.file} › ${t.name} (skipped)`);
    } else {
      passed++;
      console.log(`  ✓ ${t.file} › ${t.name} (${Date.now() - t0} ms)`);
    }
  } catch (e) {
    failed++;
    console.log(`  ✗ ${t.file} › ${t.name} (${Date.now() - t0} ms)\n      ${String(e?.stack ?? e).split('\n').slice(0, 6).join('\n      ')}`);
  }
}
await browser.close();
await server.close();

if (figures.length) {
  console.log('\nFigures:');
  for (const f of figures) console.log(`  ${f}`);
}
console.log(`\nScreenshots: ${path.relative(root, screenshotsDir)}/  (${((Date.now() - started) / 1000).toFixed(1)} s)`);
if (skipped) console.log(`${skipped} skipped`);
// Exit once the closing line is flushed: through a pipe stdout is asynchronous, and an immediate exit can drop it.
process.stdout.write(`${passed} passed, ${failed} failed\n`, () => process.exit(failed ? 1 : 0));
