// UI test: the real workbench (code-server) driven by playwright-core + /usr/bin/chromium, with the
// extension installed from its .vsix like a user would. Flow: right-click a real model in the Explorer →
// Profile Model → the per-layer table in the webview → figures checked against the CLI's JSON → bind a
// dim → open the Hardware side panel → compare two targets → open the graph text view → toggle a hint's
// what-if (the latency drops by its saving in the panel and the editor) → reload (it stays) → Compare
// Hardware with four targets, every figure checked against the CLI's JSON → Compare with baseline… against
// the CLI's saved report of the session without the what-if, every row checked against `--baseline`.
// Screenshots go to test-output/screenshots/. Exports run(options) → { passed, failed, screenshots }.
'use strict';
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const { ROOT, startCodeServer, launchChromium, makeTmp } = require('../../scripts/ci/codeServer.cjs');

const SHOTS = path.join(ROOT, 'test-output/screenshots');
const LOGS = path.join(ROOT, 'test-output/ui');

function cliJson(model, bindings = {}, extra = []) {
  const args = [path.join(ROOT, 'bin/onnx-profile.js'), model, '--format', 'json'];
  for (const [k, v] of Object.entries(bindings)) args.push('--bind', `${k}=${v}`);
  args.push(...extra);
  return JSON.parse(execFileSync(process.execPath, args, { encoding: 'utf8', maxBuffer: 256 << 20 }));
}

/**
 * Runs a command from the command palette by its title. F1 goes to whatever has the focus, and a webview
 * that is still loading may swallow it: retry until the palette opens.
 */
async function runCommand(page, title) {
  const input = page.locator('.quick-input-widget input');
  for (let attempt = 1; ; attempt++) {
    await page.keyboard.press('F1');
    try {
      await input.waitFor({ timeout: 5000 });
      break;
    } catch (e) {
      if (attempt >= 4) throw e;
      await page.keyboard.press('Escape');
      await page.locator('.part.statusbar').click({ position: { x: 2, y: 2 } }).catch(() => {});
    }
  }
  await input.fill(`>${title}`);
  await page.locator('.quick-input-widget .monaco-list-row').filter({ hasText: title }).first().waitFor({ timeout: 30000 });
  await page.keyboard.press('Enter');
}

/** |before − after − saving| within floating-point noise of `before`. */
function dropsBy(before, after, saving) {
  return Math.abs(before - after - saving) <= 1e-9 * Math.abs(before);
}

/** Every plotted roofline point against its target's roof (data the chart plots): the count, or throws. */
async function rooflineUnderRoofs(frame) {
  const plotted = await frame.evaluate(() => {
    const chart = document.querySelector('[data-testid="chart-roofline"]');
    const roof = chart?.querySelector('.roof.selected');
    if (!chart || !roof) return null;
    return { peak: Number(roof.dataset.peak), bandwidth: Number(roof.dataset.bandwidth), points: [...chart.querySelectorAll('.point')].map((p) => [Number(p.dataset.x), Number(p.dataset.y)]) };
  });
  if (!plotted) throw new Error('no roofline with a selected roof in the editor');
  for (const [x, y] of plotted.points) {
    if (y > Math.min(plotted.peak, plotted.bandwidth * x) * (1 + 1e-9)) throw new Error(`a roofline point (${x} FLOP/B, ${y} FLOP/s) sits above its roof`);
  }
  return plotted.points.length;
}

/** The inner frame of the webview whose <body data-view=...> matches (editor or sidebar). */
async function webviewFrame(page, view, timeoutMs = 60000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    for (const f of page.frames()) {
      try {
        if (await f.$(`body[data-view="${view}"]`)) return f;
      } catch { /* frame detached while looking */ }
    }
    if (Date.now() > deadline) throw new Error(`no ${view} webview within ${timeoutMs} ms`);
    await page.waitForTimeout(250);
  }
}

async function waitUntil(what, probe, timeoutMs = 30000, page) {
  const deadline = Date.now() + timeoutMs;
  let last;
  for (;;) {
    try {
      last = await probe();
      if (last) return last;
    } catch (e) { last = e.message; }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what} (last: ${JSON.stringify(last)})`);
    await (page ? page.waitForTimeout(200) : new Promise((r) => setTimeout(r, 200)));
  }
}

async function run({ vsix, model }) {
  fs.mkdirSync(SHOTS, { recursive: true });
  fs.mkdirSync(LOGS, { recursive: true });
  const tmp = makeTmp('onnxprof-ui-');
  const workspace = path.join(tmp, 'workspace');
  fs.mkdirSync(path.join(workspace, '.vscode'), { recursive: true });
  const modelName = path.basename(model);
  fs.copyFileSync(model, path.join(workspace, modelName));
  fs.writeFileSync(path.join(workspace, 'readme.txt'), 'not a model\n');
  // One default target; the test adds a second one in the side panel.
  fs.writeFileSync(path.join(workspace, '.vscode/settings.json'), JSON.stringify({ 'onnxProfiler.targets': ['h100-sxm'] }));
  const settings = { 'ONNX Profiler.logLevel': 'trace' };

  const results = [];
  const screenshots = [];
  let page;
  const shot = async (name) => {
    const file = path.join(SHOTS, name);
    await page.screenshot({ path: file });
    screenshots.push(file);
    console.log(`  screenshot: ${file}`);
  };
  const step = async (name, fn) => {
    const t = Date.now();
    try {
      await fn();
      results.push({ name, ok: true });
      console.log(`  ✔ ${name} (${Date.now() - t} ms)`);
      return true;
    } catch (e) {
      results.push({ name, ok: false, error: e.message });
      console.log(`  ✘ ${name}: ${e.message.split('\n')[0]}`);
      if (page) await shot(`failure-${results.length}.png`).catch(() => {});
      return false;
    }
  };

  const server = await startCodeServer({ tmp, vsix, logFile: path.join(LOGS, 'code-server.log') });
  const browser = await launchChromium(tmp, server.env);
  const consoleLines = [];
  try {
    page = browser.pages()[0] || (await browser.newPage());
    page.setDefaultTimeout(60000);
    page.on('console', (m) => consoleLines.push(`[${m.type()}] ${m.text()}`));
    page.on('pageerror', (e) => consoleLines.push(`[pageerror] ${e.message}`));
    await page.goto(server.url(workspace));
    await page.locator('.monaco-workbench').waitFor();

    const expected = cliJson(model);
    let editor;

    const ok1 = await step('Explorer context menu offers "Profile Model" on the .onnx file (and not on readme.txt)', async () => {
      const row = page.locator('.explorer-folders-view .monaco-list-row').filter({ hasText: modelName });
      await row.waitFor();
      const item = page.getByRole('menuitem', { name: /^Profile Model/ });
      // The Explorer renders before the extension host has registered the menus: retry the right-click.
      const openMenu = async (timeoutMs) => {
        for (const deadline = Date.now() + timeoutMs; ;) {
          await row.click({ button: 'right' });
          try { await item.waitFor({ timeout: 2000 }); return; } catch (e) {
            if (Date.now() > deadline) throw e;
            await page.keyboard.press('Escape');
            await page.waitForTimeout(1000);
          }
        }
      };
      await openMenu(90000);
      await page.waitForTimeout(300); // let the menu finish fading in before the screenshot
      await shot('01-context-menu.png');
      await page.keyboard.press('Escape');
      // Negative check of the `when` clause (menus are registered by now): readme.txt must not offer it.
      const other = page.locator('.explorer-folders-view .monaco-list-row').filter({ hasText: 'readme.txt' });
      // The model row's path tooltip can lie over the next row for a while (seen in a CI run): move the pointer
      // away and retry until the right-click lands.
      for (let attempt = 1; ; attempt++) {
        await page.mouse.move(800, 700);
        try {
          await other.click({ button: 'right', timeout: 5000 });
          await page.getByRole('menuitem', { name: /^Copy Path/ }).waitFor({ timeout: 5000 });
          break;
        } catch (e) {
          if (attempt >= 5) throw e;
          await page.keyboard.press('Escape');
        }
      }
      const offered = await item.count();
      await page.keyboard.press('Escape');
      if (offered !== 0) throw new Error('"Profile Model" is offered on readme.txt');
      // Pick the command; a click while the menu is still animating in can be lost, so check the result.
      const tab = page.locator('.tabs-container .tab').filter({ hasText: modelName });
      for (let attempt = 1; ; attempt++) {
        await openMenu(10000);
        await page.waitForTimeout(200);
        await item.click();
        try { await tab.waitFor({ timeout: 10000 }); break; } catch (e) { if (attempt >= 3) throw e; }
      }
    });

    const ok2 = ok1 && await step('the profile table shows the same figures as `onnx-profile --format json`', async () => {
      editor = await webviewFrame(page, 'editor');
      await editor.locator('[data-testid="node-table"]').waitFor({ state: 'visible' });
      const flops = editor.locator('[data-testid="summary-flops"]');
      const params = editor.locator('[data-testid="summary-params"]');
      await flops.waitFor();
      const shownFlops = await flops.getAttribute('data-value');
      const shownParams = await params.getAttribute('data-value');
      if (String(shownFlops) !== String(expected.totals.flops)) throw new Error(`summary-flops ${shownFlops} != CLI ${expected.totals.flops}`);
      if (String(shownParams) !== String(expected.totals.params)) throw new Error(`summary-params ${shownParams} != CLI ${expected.totals.params}`);
      const rows = editor.locator('[data-testid="node-row"]');
      await rows.first().waitFor();
      const n = await rows.count();
      if (n === 0) throw new Error('no node rows');
      // Every rendered row names a node of the CLI report at its data-node-index.
      for (let i = 0; i < Math.min(n, 10); i++) {
        const idx = Number(await rows.nth(i).getAttribute('data-node-index'));
        const node = expected.nodes[idx];
        if (!node) throw new Error(`row ${i}: data-node-index ${idx} is not a node of the report`);
        const text = await rows.nth(i).innerText();
        if (!text.includes(node.name) && !text.includes(node.opType)) throw new Error(`row ${i} (node ${idx}) shows "${text.slice(0, 80)}", expected ${node.name}`);
      }
      const tab = page.locator('.tabs-container .tab').filter({ hasText: modelName });
      await tab.waitFor();
      console.log(`    summary: ${await flops.innerText()} / ${await params.innerText()} params; ${n} rows rendered of ${expected.nodes.length} nodes`);
      await shot('02-profile-table.png');
    });

    const dims = expected.unboundSymbols;
    const bindings = Object.fromEntries(dims.map((d, i) => [d, i === 0 ? 4 : 128]));
    ok2 && dims.length > 0 && await step(`binding ${Object.entries(bindings).map(([k, v]) => `${k}=${v}`).join(', ')} re-profiles to the CLI's --bind figures`, async () => {
      const bound = cliJson(model, bindings);
      for (const [d, v] of Object.entries(bindings)) {
        const field = editor.locator(`[data-testid="bind-input-${d}"]`);
        await field.waitFor();
        const input = field.locator('input');
        if (await input.count()) await input.fill(String(v));
        else await field.fill(String(v));
      }
      await editor.locator('[data-testid="bind-apply"]').click();
      await waitUntil('summary-flops to show the bound FLOPs', async () => {
        const v = await editor.locator('[data-testid="summary-flops"]').getAttribute('data-value');
        return String(v) === String(bound.totals.flops) ? v : undefined;
      }, 30000, page);
      const p = await editor.locator('[data-testid="summary-params"]').getAttribute('data-value');
      if (String(p) !== String(bound.totals.params)) throw new Error(`params after binding ${p} != ${bound.totals.params}`);
      console.log(`    FLOPs unbound ${expected.totals.flops} → bound ${bound.totals.flops}`);
      await shot('03-dims-bound.png');
    });

    ok2 && await step('the Hardware side panel compares two targets (h100-sxm + l4) at the batch bound in the profile view', async () => {
      await page.locator('.activitybar .action-item a[aria-label^="ONNX Profiler"], .activitybar [aria-label^="ONNX Profiler"]').first().click();
      const side = await webviewFrame(page, 'sidebar');
      await side.locator('[data-testid="target-picker"]').waitFor();
      // Make sure the profile editor is the active model (the panel follows the last focused profile).
      await side.locator('[data-testid="estimate-row"][data-target="h100-sxm"]').waitFor({ timeout: 30000 });
      const l4 = side.locator('[data-testid="target-picker"] [data-testid="target-l4"]');
      await l4.click();
      const apply = side.locator('[data-testid="compare-apply"]');
      if (await apply.count()) await apply.click();
      const rows = side.locator('[data-testid="estimate-row"]');
      await side.locator('[data-testid="estimate-row"][data-target="l4"]').waitFor({ timeout: 30000 });
      await side.locator('[data-testid="hardware-table"]').waitFor();
      const targets = await rows.evaluateAll((els) => els.map((e) => e.getAttribute('data-target')));
      if (!(targets.includes('h100-sxm') && targets.includes('l4'))) throw new Error(`estimate rows: ${targets.join(', ')}`);
      for (const t of ['h100-sxm', 'l4']) {
        const text = await side.locator(`[data-testid="estimate-row"][data-target="${t}"]`).innerText();
        if (!/\d/.test(text) || !/(ns|µs|ms|s)\b/.test(text)) throw new Error(`row ${t} shows no latency: ${text}`);
      }
      // The batch bound in the profile view is the panel's Batch (not a binding that pins it under another figure).
      const batchDim = dims.find((d) => /batch/i.test(d));
      if (batchDim !== undefined) {
        const shown = await side.locator('[data-testid="batch-input"] input').inputValue();
        if (shown !== String(bindings[batchDim])) throw new Error(`the side panel's Batch shows ${shown}, the profile view bound ${batchDim}=${bindings[batchDim]}`);
        const alerts = await side.locator('[role="alert"]').allInnerTexts();
        if (alerts.some((t) => /Estimates are for batch/.test(t))) throw new Error(`the side panel says: ${alerts.join(' | ')}`);
      }
      console.log(`    estimate rows: ${targets.join(', ')}; Batch ${batchDim !== undefined ? bindings[batchDim] : 'fixed'}`);
      await shot('04-hardware-compare.png');
    });

    ok2 && await step('the graph text view opens from the editor title (ONNX textual syntax; selecting a table row reveals its line with a CodeLens)', async () => {
      // The profile editor's title bar has a "Show Graph Text" action (contributed to editor/title).
      await page.locator('.tabs-container .tab').filter({ hasText: modelName }).first().click();
      const action = page.locator('.editor-actions [aria-label^="Show Graph Text"]').first();
      await action.waitFor({ timeout: 15000 });
      await action.click();
      const tab = page.locator('.tabs-container .tab').filter({ hasText: `${modelName}.txt` });
      await tab.waitFor();
      const lines = page.locator('.monaco-editor .view-lines');
      await waitUntil('ir_version in the editor', async () => ((await lines.last().innerText()).includes('ir_version') ? true : undefined), 30000, page);
      // Select a row in the profile table: the graph text reveals that node's line (and its CodeLens).
      const rows = editor.locator('[data-testid="node-row"]');
      const row = rows.nth(Math.min(5, (await rows.count()) - 1));
      const idx = Number(await row.getAttribute('data-node-index'));
      const node = expected.nodes[idx];
      await row.click();
      // The focus stays in the table, so read the graph editor's active line number.
      const graphEditor = page.locator('.editor-instance').filter({ has: page.locator('.monaco-editor') }).last();
      const activeLine = graphEditor.locator('.line-numbers.active-line-number');
      const lineNo = await waitUntil('the graph text cursor to move to the selected node', async () => {
        const t = (await activeLine.first().innerText({ timeout: 1000 })).trim();
        return t && t !== '1' ? t : undefined;
      }, 15000, page);
      const lens = graphEditor.locator('.codelens-decoration');
      await lens.first().waitFor({ timeout: 30000 }).catch(async (e) => {
        throw new Error(`${e.message.split('\n')[0]} (${await lens.count()} codelens elements in the graph editor)`);
      });
      const lensTexts = await lens.allInnerTexts();
      if (!lensTexts.some((t) => /FLOP|no cost rule|cost unknown/.test(t))) throw new Error(`CodeLens texts: ${lensTexts.slice(0, 3).join(' | ')}`);
      const visible = await lines.last().innerText();
      if (!visible.includes(node.opType)) throw new Error(`selected node ${node.name} (${node.opType}) not visible in the graph text`);
      console.log(`    selected row ${idx} (${node.name}, ${node.opType}) → graph text line ${lineNo}; CodeLens: ${lensTexts[0]}`);
      await shot('05-graph-text.png');
    });

    // What the session compares after the steps above, as CLI options (targets in the panel's order).
    const sessionArgs = (targets, whatIf = []) => [...targets.flatMap((t) => ['--target', t]), '--batch', '1', ...whatIf.flatMap((id) => ['--apply', id])];
    const boundDims = dims.length > 0 ? bindings : {};
    const reference = ok2 ? cliJson(model, boundDims, sessionArgs(['h100-sxm', 'l4'])) : null;
    const hint = reference?.hints?.find((h) => h.change && h.savings.some((x) => x.verdict === 'gain'));
    let afterLatency;

    const ok6 = ok2 && hint && await step(`toggling the what-if of hint '${hint?.id}' in the side panel lowers the latency by its stated saving, in the panel and in the editor`, async () => {
      await page.locator('.tabs-container .tab').filter({ hasText: modelName }).first().click();
      const side = await webviewFrame(page, 'sidebar');
      editor = await webviewFrame(page, 'editor');
      const item = side.locator(`[data-hint-id="${hint.id}"]`);
      await item.waitFor({ timeout: 30000 });
      const stated = Object.fromEntries(await item.locator('[data-testid="whatif-saving"]').evaluateAll((els) => els.map((e) => [e.dataset.target, Number(e.dataset.seconds)])));
      const panelLatency = async (t) => Number(await side.locator(`[data-testid="estimate-row"][data-target="${t}"] td[data-field="latencySeconds"]`).getAttribute('data-value'));
      const before = { 'h100-sxm': await panelLatency('h100-sxm'), l4: await panelLatency('l4') };
      const editorTarget = await editor.locator('[data-testid="time-latency"]').getAttribute('data-target');
      const editorBefore = Number(await editor.locator('[data-testid="time-latency"]').getAttribute('data-value'));
      if (editorBefore !== before[editorTarget]) throw new Error(`editor latency ${editorBefore} != panel ${before[editorTarget]} on ${editorTarget}`);
      await side.locator(`[data-testid="whatif-${hint.id}"]`).click();
      // The targets' new estimates may arrive one after the other: wait for every one, then hold each to its saving.
      const panelNow = async () => ({ 'h100-sxm': await panelLatency('h100-sxm'), l4: await panelLatency('l4') });
      const after = await waitUntil('the panel latencies to drop by the stated savings', async () => {
        const now = await panelNow();
        return Object.keys(now).every((t) => dropsBy(before[t], now[t], stated[t])) ? now : undefined;
      }, 30000, page).catch(async (e) => {
        const now = await panelNow();
        const wrong = Object.keys(now).filter((t) => !dropsBy(before[t], now[t], stated[t]));
        throw new Error(`${wrong.map((t) => `panel ${t}: ${before[t]} → ${now[t]}, the hint states −${stated[t]}`).join('; ')} (${e.message.split('\n')[0]})`);
      });
      const editorAfter = await waitUntil('the editor latency to drop', async () => {
        const v = Number(await editor.locator('[data-testid="time-latency"]').getAttribute('data-value'));
        return v !== editorBefore ? v : undefined;
      }, 30000, page);
      if (!dropsBy(editorBefore, editorAfter, stated[editorTarget])) throw new Error(`editor ${editorTarget}: ${editorBefore} → ${editorAfter}, the hint states −${stated[editorTarget]}`);
      await editor.locator('[data-testid="what-if-banner"]').waitFor();
      await page.locator('.statusbar-item').filter({ hasText: 'what-if: 1' }).first().waitFor({ timeout: 10000 });
      const points = await rooflineUnderRoofs(editor);
      afterLatency = after;
      console.log(`    ${hint.id}: h100-sxm ${before['h100-sxm']} → ${after['h100-sxm']} s (stated −${stated['h100-sxm']}), l4 ${before.l4} → ${after.l4} s; editor (${editorTarget}) ${editorBefore} → ${editorAfter}; roofline ${points} points under their roof`);
      await shot('06-what-if.png');
    });

    const ok7 = ok6 && await step('the what-if survives a reload of the window', async () => {
      // Reload as a user does (Developer: Reload Window): the workbench shuts down in order and saves its open
      // editors first, where a bare page reload races that save against the unload and can lose the editor.
      const reloaded = page.waitForEvent('framenavigated', { predicate: (f) => f === page.mainFrame(), timeout: 60000 });
      await runCommand(page, 'Developer: Reload Window');
      await reloaded;
      await page.locator('.monaco-workbench').waitFor({ timeout: 60000 });
      await page.locator('.tabs-container .tab').filter({ hasText: modelName }).first().click({ timeout: 60000 });
      // The side bar may come back open or closed, and the workbench may still be restoring it: on each try,
      // open it when it is not showing, by its focus command (which opens, where the activity-bar icon toggles).
      const sideBarShowing = () => page.locator('.part.sidebar .composite.title').filter({ hasText: 'ONNX Profiler' }).isVisible();
      // The side panel's webview may be replaced while the workbench restores it: look it up on every try.
      const side = await waitUntil('the side panel with the toggle ticked', async () => {
        if (!(await sideBarShowing())) await runCommand(page, 'Focus on Hardware View');
        const frame = await webviewFrame(page, 'sidebar', 5000);
        const box = frame.locator(`[data-testid="whatif-${hint.id}"]`);
        return (await box.count()) && (await box.evaluate((e) => e.checked)) ? frame : undefined;
      }, 60000, page);
      const latency = Number(await side.locator('[data-testid="estimate-row"][data-target="h100-sxm"] td[data-field="latencySeconds"]').getAttribute('data-value'));
      if (latency !== afterLatency['h100-sxm']) throw new Error(`after the reload h100-sxm shows ${latency}, not ${afterLatency['h100-sxm']}`);
      editor = await webviewFrame(page, 'editor');
      await editor.locator('[data-testid="what-if-banner"]').waitFor({ timeout: 30000 });
    });

    let comparedTargets;
    const ok8 = ok7 && await step('Compare Hardware (editor title) opens the wide comparison; with four targets every figure equals the CLI\'s JSON', async () => {
      // One editor group, so the comparison gets the editor area's width.
      await runCommand(page, 'View: Single Column Editor Layout');
      await page.locator('.tabs-container .tab').filter({ hasText: modelName }).first().click();
      const action = page.locator('.editor-actions [aria-label^="Compare Hardware"]').first();
      await action.waitFor({ timeout: 15000 });
      await action.click();
      const compare = await webviewFrame(page, 'compare');
      await compare.locator('[data-testid="compare-row"]').first().waitFor({ timeout: 30000 });
      await compare.locator('[data-testid="compare-picker-summary"]').click();
      for (const t of ['tpu-v5e', 'gaudi3']) await compare.locator(`[data-testid="target-${t}"]`).click();
      await compare.locator('[data-testid="compare-picker-summary"]').click();
      const targets = await waitUntil('four target columns', async () => {
        const ids = await compare.locator('[data-testid="compare-row"]').evaluateAll((els) => els.map((e) => e.dataset.target));
        return ids.length === 4 ? ids : undefined;
      }, 30000, page);
      const picked = await compare.locator('[data-testid="target-picker"] vscode-checkbox').evaluateAll((els) => els.filter((e) => e.checked).map((e) => e.dataset.value));
      comparedTargets = picked;
      const expected = cliJson(model, boundDims, sessionArgs(picked, [hint.id]));
      const cells = await compare.locator('[data-testid="compare-table"] td').evaluateAll((els) => els.map((e) => ({ target: e.dataset.target, field: e.dataset.field, value: e.dataset.value, text: e.textContent })));
      let checked = 0;
      // The leading rows divide by the reference target's figure: the H100 SXM when compared, else the first.
      const reference = expected.estimates.find((x) => x.target === 'h100-sxm') ?? expected.estimates[0];
      const over = (v, ref) => (v === null || ref === null || !(ref > 0) ? '' : String(v / ref));
      for (const c of cells) {
        const e = expected.estimates.find((x) => x.target === c.target);
        if (!e) throw new Error(`column ${c.target} is not in the CLI's estimates`);
        const want =
          c.field === 'speedupPerChip' ? over(e.throughputPerChipPerSecond, reference.throughputPerChipPerSecond)
          : c.field === 'costRelative' ? over(e.costPerMillionUsd, reference.costPerMillionUsd)
          : c.field === 'fits' ? (e.fits ? '1' : '0')
          : c.field === 'layout' ? String(e.serving?.chips ?? e.chips)
          : c.field === 'servingLimit' ? (e.serving ? String(e.serving.maxBatchInMemory) : '')
          : e[c.field] === null ? '' : String(e[c.field]);
        if (c.value !== want) throw new Error(`${c.target} ${c.field}: the comparison shows ${c.value}, the CLI ${want}`);
        checked++;
      }
      if (checked < 4 * 20) throw new Error(`only ${checked} figures checked`);
      console.log(`    targets ${targets.join(', ')}: ${checked} figures equal the CLI's (onnx-profile ${sessionArgs(picked, [hint.id]).join(' ')})`);
      await compare.locator('[data-testid="compare-table"]').scrollIntoViewIfNeeded();
      await shot('07-compare-hardware.png');
    });

    ok8 && await step('Compare with baseline… (profile view): a report the CLI saved, picked in the open dialog, is compared row for row as `onnx-profile --baseline` compares it', async () => {
      // The baseline: the same session without the what-if, saved by the CLI beside the model.
      const baselineFile = path.join(workspace, 'baseline.json');
      fs.writeFileSync(baselineFile, JSON.stringify(cliJson(model, boundDims, sessionArgs(comparedTargets))));
      const expected = cliJson(model, boundDims, [...sessionArgs(comparedTargets, [hint.id]), '--baseline', baselineFile]).baseline;
      await page.locator('.tabs-container .tab').filter({ hasText: modelName }).first().click();
      editor = await webviewFrame(page, 'editor');
      await editor.locator('[data-testid="baseline-choose"]').click();
      // The open dialog of the browser workbench: a path box in the quick input, which it fills with the model's
      // folder once it has listed it; typed into before that, the path would be appended to the folder's.
      const input = page.locator('.quick-input-widget input');
      await waitUntil('the open dialog showing the model\'s folder', async () => (await input.inputValue()).includes('workspace'), 15000, page);
      await waitUntil('the path typed into the open dialog', async () => {
        await input.fill(baselineFile);
        return (await input.inputValue()) === baselineFile;
      }, 15000, page);
      await page.keyboard.press('Enter');
      const rows = await waitUntil('the comparison in the profile view', async () => {
        const frame = await webviewFrame(page, 'editor', 5000);
        const found = await frame.locator('[data-testid="baseline"] .baseline-table tbody tr').evaluateAll((trs) => trs.map((tr) => ({ metric: tr.dataset.metric, target: tr.dataset.target, class: tr.className, change: tr.querySelector('[data-field="change"]')?.textContent ?? '' })));
        return found.length > 0 ? found : undefined;
      }, 60000, page);
      if (rows.length !== expected.changes.length) throw new Error(`the view lists ${rows.length} figures, the CLI ${expected.changes.length}`);
      let better = 0;
      expected.changes.forEach((c, i) => {
        const row = rows[i];
        const mark = c.worse ? 'worse' : c.change !== null && c.change !== 0 ? 'better' : '';
        if (row.metric !== c.metric || row.target !== (c.target ?? '') || row.class !== mark) {
          throw new Error(`row ${i}: the view shows ${row.metric}@${row.target} '${row.class}', the CLI ${c.metric}@${c.target ?? ''} '${mark}'`);
        }
        if (c.metric === 'latency' && mark === 'better') better++;
      });
      // The what-if made the session faster on at least the target its hint gains on.
      if (better === 0) throw new Error('no target shows a lower latency than the baseline without the what-if');
      // The layers that changed, in the CLI's order (a what-if changes what the estimates run, not the graph's
      // FLOPs and bytes, so the list may be empty; the summary line is there either way).
      const frame = await webviewFrame(page, 'editor');
      const layers = await frame.locator('[data-testid="baseline-layers"] tbody th').allTextContents();
      const cliLayers = expected.nodes.largest.slice(0, layers.length).map((n) => (n.baselineName ? `${n.name} (was ${n.baselineName})` : n.name));
      if (JSON.stringify(layers) !== JSON.stringify(cliLayers) || layers.length !== Math.min(12, expected.nodes.largest.length)) throw new Error(`layers: the view lists ${JSON.stringify(layers)}, the CLI ${JSON.stringify(cliLayers)}`);
      const layerSummary = await frame.locator('[data-testid="baseline-layers-summary"]').textContent();
      if (!layerSummary.includes(`${expected.nodes.changed} changed, ${expected.nodes.added} added, ${expected.nodes.removed} removed`) && !layerSummary.startsWith('layers: the same FLOPs and bytes')) throw new Error(`layer summary '${layerSummary}' against the CLI's ${JSON.stringify({ ...expected.nodes, largest: undefined })}`);
      console.log(`    ${rows.length} figures as the CLI compares them; latency lower on ${better} target(s), e.g. ${rows.find((r) => r.metric === 'latency')?.change}; ${layerSummary}`);
      await (await webviewFrame(page, 'editor')).locator('[data-testid="baseline"]').scrollIntoViewIfNeeded();
      await shot('08-baseline.png');
    });
  } finally {
    fs.writeFileSync(path.join(LOGS, 'browser-console.log'), consoleLines.join('\n'));
    // Keep the workbench / extension host logs (the extension's output channel included).
    fs.rmSync(path.join(LOGS, 'vscode-logs'), { recursive: true, force: true });
    if (fs.existsSync(path.join(tmp, 'user-data/logs'))) fs.cpSync(path.join(tmp, 'user-data/logs'), path.join(LOGS, 'vscode-logs'), { recursive: true });
    await browser.close().catch(() => {});
    server.stop();
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  const passed = results.filter((r) => r.ok).length;
  return { passed, failed: results.length - passed, results, screenshots };
}

module.exports = { run, runCommand, waitUntil, webviewFrame };
