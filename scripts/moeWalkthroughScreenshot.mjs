#!/usr/bin/env node
// The README walkthrough's screenshot, taken in the real workbench: code-server with the extension installed
// from its .vsix, driven by playwright-core and /usr/bin/chromium (as test/ui does). It opens the graph-only
// DeepSeek-V3-like decoder, compares the walkthrough's eight targets at batch 256 in FP8 in the wide
// comparison, checks its LLM figures against the CLI's, and saves docs/screenshots/moe-walkthrough.png.
//
//   npm run build && node scripts/moeWalkthroughScreenshot.mjs
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const { checkTools, launchChromium, makeTmp, startCodeServer } = require('./ci/codeServer.cjs');
const { runCommand, waitUntil, webviewFrame } = require('../test/ui/profileFlow.cjs');

const MODEL = path.join(ROOT, 'test/fixtures/moe/deepseek_v3.onnx');
const TARGETS = ['h100-sxm', 'h200', 'b200', 'mi300x', 'tpu-v5p', 'trainium2', 'gaudi3', 'groq-lpu'];
const BATCH = 256;
const OUT = path.join(ROOT, 'docs/screenshots/moe-walkthrough.png');

const missing = checkTools();
if (missing.length) {
  console.error(`cannot take the screenshot, missing:\n  ${missing.join('\n  ')}`);
  process.exit(2);
}
const tmp = makeTmp('onnxprof-moe-');
const outDir = path.join(ROOT, 'test-output/ui');
mkdirSync(outDir, { recursive: true });
const vsix = path.join(outDir, 'onnx-hardware-profiler-moe.vsix');
execFileSync(process.execPath, [path.join(ROOT, 'node_modules/@vscode/vsce/vsce'), 'package', '--no-dependencies', '--no-rewrite-relative-links', '--skip-license', '--allow-missing-repository', '--out', vsix], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
const workspace = path.join(tmp, 'workspace');
mkdirSync(path.join(workspace, '.vscode'), { recursive: true });
copyFileSync(MODEL, path.join(workspace, path.basename(MODEL)));
writeFileSync(path.join(workspace, '.vscode/settings.json'), JSON.stringify({ 'onnxProfiler.targets': TARGETS, 'onnxProfiler.batch': BATCH }));

const cli = JSON.parse(
  execFileSync(process.execPath, [path.join(ROOT, 'bin/onnx-profile.js'), MODEL, '--precision', 'fp8', '--batch', String(BATCH), ...TARGETS.flatMap((t) => ['--target', t]), '--format', 'json'], { encoding: 'utf8', maxBuffer: 256 << 20 }),
);
const server = await startCodeServer({ tmp, vsix, logFile: path.join(outDir, 'code-server-moe.log') });
const browser = await launchChromium(tmp, server.env, { width: 1500, height: 1900 });
try {
  const page = browser.pages()[0] || (await browser.newPage());
  page.setDefaultTimeout(120000);
  await page.goto(server.url(workspace));
  await page.locator('.monaco-workbench').waitFor();
  // Open the model (its profile is the default editor for .onnx), then the wide comparison. A click before the
  // workbench has registered the extension's contributions opens the file as text: wait for its view icon first.
  await page.locator('.activitybar [aria-label^="ONNX Profiler"]').first().waitFor({ timeout: 120000 });
  await page.locator('.explorer-folders-view .monaco-list-row').filter({ hasText: path.basename(MODEL) }).click();
  const editor = await webviewFrame(page, 'editor', 180000);
  await editor.locator('[data-testid="summary-moe"]').waitFor({ timeout: 180000 });
  await runCommand(page, 'View: Single Column Editor Layout');
  await page.locator('.editor-actions [aria-label^="Compare Hardware"]').first().click();
  const compare = await webviewFrame(page, 'compare', 120000);
  await compare.locator('[data-testid="compare-llm-row"]').first().waitFor({ timeout: 180000 });
  await compare.locator('[data-testid="precision-select"]').click();
  await compare.locator('[data-testid="precision-select"] vscode-option[value="fp8"]').click();
  // The figures the view shows must be the CLI's at the same request.
  const want = new Map(cli.llm.estimates.map((e) => [e.target, e.timePerOutputTokenSeconds]));
  await waitUntil('the FP8 figures in the comparison', async () => {
    const shown = await compare.locator('[data-testid="compare-llm-table"] tr[data-field="timePerOutputTokenSeconds"] td').evaluateAll((els) => els.map((e) => [e.dataset.target, Number(e.dataset.value)]));
    return shown.length === TARGETS.length && shown.every(([t, v]) => Math.abs(v - want.get(t)) <= 1e-9 * want.get(t)) ? shown : undefined;
  }, 240000, page);
  await compare.locator('[data-testid="compare-llm"]').scrollIntoViewIfNeeded();
  await page.waitForTimeout(500);
  await page.screenshot({ path: OUT });
  console.log(`wrote ${path.relative(ROOT, OUT)}: ${TARGETS.length} targets, TPOT equal to the CLI's (onnx-profile ${path.relative(ROOT, MODEL)} --precision fp8 --batch ${BATCH} ${TARGETS.map((t) => `--target ${t}`).join(' ')})`);
} finally {
  await browser.close().catch(() => {});
  server.stop();
  rmSync(tmp, { recursive: true, force: true });
}
