// Profile editor view tests (driven by scripts/runWebviewTests.mjs).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { assertClean } from './checks.mjs';
import { settings, syntheticEstimates, syntheticHints, syntheticReport } from './fixtures.mjs';

const show = (report, extra = {}) => ({ type: 'report/show', report, settings: settings(), ...extra });

/** Rendered node rows in visual order, with per-column text and raw values. */
async function rows(page) {
  return page.$$eval('[data-testid="node-row"]', (els) =>
    els
      .map((e) => ({
        rowIndex: Number(e.dataset.rowIndex),
        node: Number(e.dataset.nodeIndex),
        selected: e.getAttribute('aria-selected') === 'true',
        cells: Object.fromEntries([...e.children].map((c) => [c.dataset.col, { text: c.textContent, value: c.dataset.value }])),
      }))
      .sort((a, b) => a.rowIndex - b.rowIndex),
  );
}

async function visibleRows(page) {
  return page.evaluate(() => {
    const grid = document.querySelector('[data-testid="node-table"]');
    const box = grid.getBoundingClientRect();
    const header = grid.querySelector('.vgrid-header').getBoundingClientRect();
    return [...grid.querySelectorAll('[data-testid="node-row"]')]
      .filter((r) => {
        const b = r.getBoundingClientRect();
        return b.top >= header.bottom - 1 && b.bottom <= box.bottom + 1;
      })
      .map((r) => Number(r.dataset.nodeIndex));
  });
}

async function openWith(ctx, report, opts = {}, extra = {}) {
  const v = await ctx.open('editor', opts);
  await v.send(show(report, extra));
  await v.page.waitForSelector('[data-testid="node-row"]');
  return v;
}

function profileRealModel(ctx) {
  const model = '/work/shared/models/gh/onnx__onnx@f754691/onnx/backend/test/data/light/light_inception_v2.onnx';
  if (!existsSync(model) || !existsSync(path.join(ctx.root, 'dist/cli.js'))) return null;
  try {
    return JSON.parse(execFileSync(process.execPath, [path.join(ctx.root, 'bin/onnx-profile.js'), model, '--format', 'json'], { maxBuffer: 1 << 28, timeout: 60_000 }).toString());
  } catch (e) {
    console.log(`    (CLI failed on the real model: ${String(e.message).split('\n')[0]})`);
    return null;
  }
}

export const tests = [
  {
    name: 'real report: summary cards and table show the JSON numbers',
    async fn(ctx) {
      const report = profileRealModel(ctx);
      if (!report) return 'skip';
      const { formatScaled } = ctx.lib;
      const v = await openWith(ctx, report);
      const params = await v.page.getAttribute('[data-testid="summary-params"]', 'data-value');
      const flops = await v.page.getAttribute('[data-testid="summary-flops"]', 'data-value');
      assert.equal(params, String(report.totals.params));
      assert.equal(flops, String(report.totals.flops));
      assert.equal(await v.page.textContent('[data-testid="summary-params"]'), formatScaled(report.totals.params, ''));
      const rs = await rows(v.page);
      assert.ok(rs.length > 10, `expected rows, got ${rs.length}`);
      for (const r of rs) {
        const n = report.nodes.find((x) => x.index === r.node);
        assert.equal(r.cells.name.text, n.name || '(unnamed)');
        assert.equal(r.cells.op.text, n.domain ? `${n.domain}::${n.opType}` : n.opType);
        assert.equal(r.cells.flops.value, String(n.flops));
        assert.equal(r.cells.flops.text, formatScaled(n.flops, ''));
        assert.equal(r.cells.params.value, String(n.params));
        assert.equal(r.cells.macs.value, String(n.macs));
        assert.equal(r.cells.shapes.text, n.outputs.map((o) => (o.shape === null ? '?' : `[${o.shape.join(', ')}]`)).join('; '));
      }
      ctx.figure(`real model light_inception_v2: ${report.nodes.length} nodes, ${rs.length} rows in DOM, coverage ${report.coverage.percent}%`);
      await assertClean(v);
      await v.close();
    },
  },
  {
    name: 'synthetic report: cells, shapes as expressions, summary and coverage',
    async fn(ctx) {
      const report = syntheticReport(300);
      const { formatScaled } = ctx.lib;
      const v = await openWith(ctx, report);
      const rs = await rows(v.page);
      assert.equal(rs[0].node, 0);
      const n0 = report.nodes[0];
      assert.equal(rs[0].cells.shapes.text, '[batch, sequence, 64]');
      assert.equal(rs[0].cells.flops.text, formatScaled(n0.flops, ''));
      assert.equal(rs[0].cells.scope.text, n0.scope);
      assert.equal(await v.page.getAttribute('[data-testid="summary-flops"]', 'data-value'), String(report.totals.flops));
      const cov = await v.page.textContent('[data-testid="summary-coverage"]');
      assert.equal(cov, `${report.coverage.percent.toFixed(1)} %`);
      assert.match(await v.page.textContent('[data-testid="uncovered-ops"]'), /Softmax ×\d+/);
      assert.match(await v.page.textContent('[data-testid="table-info"]'), /300 of 300 layers/);
      // FLOPs by op type chart, roofline strip (no estimates)
      assert.ok((await v.page.$$('[data-testid="chart-optype"] .bar')).length >= 3);
      assert.ok((await v.page.$$('[data-testid="chart-roofline"] .point')).length > 10);
      assert.equal((await v.page.$$('[data-testid="chart-roofline"] .roof')).length, 0);
      await assertClean(v);
      await v.close();
    },
  },
  {
    name: 'sorting by FLOPs and by name; aria-sort follows',
    async fn(ctx) {
      const report = syntheticReport(500);
      const v = await openWith(ctx, report);
      await v.page.click('[role="columnheader"][data-col="flops"] button');
      assert.equal(await v.page.getAttribute('[role="columnheader"][data-col="flops"]', 'aria-sort'), 'descending');
      let rs = await rows(v.page);
      const maxFlops = Math.max(...report.nodes.map((n) => n.flops));
      assert.equal(Number(rs[0].cells.flops.value), maxFlops);
      for (let i = 1; i < rs.length; i++) assert.ok(Number(rs[i - 1].cells.flops.value) >= Number(rs[i].cells.flops.value), 'descending order');
      await v.page.click('[role="columnheader"][data-col="flops"] button');
      assert.equal(await v.page.getAttribute('[role="columnheader"][data-col="flops"]', 'aria-sort'), 'ascending');
      rs = await rows(v.page);
      for (let i = 1; i < rs.length; i++) assert.ok(Number(rs[i - 1].cells.flops.value) <= Number(rs[i].cells.flops.value), 'ascending order');
      await v.page.click('[role="columnheader"][data-col="name"] button');
      assert.equal(await v.page.getAttribute('[role="columnheader"][data-col="flops"]', 'aria-sort'), 'none');
      rs = await rows(v.page);
      const names = rs.map((r) => r.cells.name.text.toLowerCase());
      assert.deepEqual(names, [...names].sort());
      const expectedFirst = [...report.nodes].sort((a, b) => (a.name.toLowerCase() < b.name.toLowerCase() ? -1 : 1))[0];
      assert.equal(rs[0].node, expectedFirst.index);
      await assertClean(v);
      await v.close();
    },
  },
  {
    name: 'filtering by text, op type and status; grouping by op type and module',
    async fn(ctx) {
      const report = syntheticReport(1000);
      const v = await openWith(ctx, report);
      await v.page.fill('[data-testid="filter-input"] input', 'layers.3/');
      await v.page.waitForFunction(() => /of 1,000 layers/.test(document.querySelector('[data-testid="table-info"]').textContent) && !/^1,000 of/.test(document.querySelector('[data-testid="table-info"]').textContent));
      let rs = await rows(v.page);
      const expected = report.nodes.filter((n) => n.name.toLowerCase().includes('layers.3/') || n.scope.toLowerCase().includes('layers.3/'));
      assert.equal(rs.length, Math.min(expected.length, rs.length));
      assert.ok(rs.every((r) => r.cells.name.text.includes('layers.3/')), 'all rows match the text filter');
      assert.match(await v.page.textContent('[data-testid="table-info"]'), new RegExp(`^${expected.length} of 1,000`));
      await v.page.fill('[data-testid="filter-input"] input', '');
      // op type filter via the dropdown
      await v.page.click('[data-testid="optype-filter"]');
      await v.page.click('[data-testid="optype-filter"] vscode-option[value="MatMul"]');
      await v.page.waitForFunction(() => /^100 of/.test(document.querySelector('[data-testid="table-info"]').textContent));
      rs = await rows(v.page);
      assert.ok(rs.length > 0 && rs.every((r) => r.cells.op.text === 'MatMul'));
      // back to all; group by op type
      await v.page.click('[data-testid="optype-filter"]');
      await v.page.click('[data-testid="optype-filter"] vscode-option[value=""]');
      await v.page.click('[data-testid="group-by"]');
      await v.page.click('[data-testid="group-by"] vscode-option[value="opType"]');
      await v.page.waitForSelector('[data-testid="group-row"]');
      const groups = await v.page.$$eval('[data-testid="group-row"]', (els) => els.map((e) => e.dataset.groupKey));
      assert.ok(groups.includes('o:Conv'));
      // collapse the first group with the keyboard: focus grid, Home, ArrowLeft
      await v.page.focus('[data-testid="node-table"]');
      await v.page.keyboard.press('Home');
      const firstKey = await v.page.$eval('[data-testid="group-row"][aria-selected="true"]', (e) => e.dataset.groupKey);
      await v.page.keyboard.press('ArrowLeft');
      assert.equal(await v.page.getAttribute(`[data-group-key="${firstKey}"]`, 'aria-expanded'), 'false');
      await v.page.keyboard.press('Enter');
      assert.equal(await v.page.getAttribute(`[data-group-key="${firstKey}"]`, 'aria-expanded'), 'true');
      // module tree
      await v.page.click('[data-testid="group-by"]');
      await v.page.click('[data-testid="group-by"] vscode-option[value="module"]');
      await v.page.waitForSelector('[data-group-key="m:/model"]');
      const levels = await v.page.$$eval('[data-testid="group-row"]', (els) => els.map((e) => Number(e.getAttribute('aria-level'))));
      assert.ok(levels.includes(1) && levels.includes(2) && levels.includes(3), `module levels ${levels}`);
      await assertClean(v);
      await v.close();
    },
  },
  {
    name: '50,000 rows with estimates: first paint, virtualised (< 200 DOM rows), scroll timings',
    async fn(ctx) {
      const v = await ctx.open('editor', { viewport: { width: 1400, height: 1000 } });
      await v.page.evaluate(`window.__big = (${syntheticReport.toString()})(50000); 0`);
      // What the host sends for a 50,000-node model compared on three targets: every node timed on each.
      const big = syntheticReport(50000);
      await v.page.evaluate((x) => (window.__bigExtra = x), { estimates: syntheticEstimates(big, ['h100-sxm', 'a100-80gb', 'l4']), hints: syntheticHints(big) });
      const renderMs = await v.page.evaluate((s) => {
        const t0 = performance.now();
        window.__hostSend({ type: 'report/show', report: window.__big, settings: s, ...window.__bigExtra });
        return new Promise((res) => {
          const check = () => (document.querySelector('[data-testid="node-row"]') ? requestAnimationFrame(() => requestAnimationFrame(() => res(performance.now() - t0))) : setTimeout(check, 1));
          check();
        });
      }, settings());
      const phases = await v.page.evaluate(() => performance.getEntriesByType('measure').filter((m) => m.name.startsWith('show:')).map((m) => `${m.name.slice(6)} ${m.duration.toFixed(0)} ms`).join(', '));
      const domRows = await v.page.$$eval('[role="row"]', (els) => els.length);
      assert.ok(domRows < 200, `DOM rows ${domRows}`);
      assert.equal(await v.page.getAttribute('[data-testid="node-table"]', 'aria-rowcount'), '50001');
      const scroll = await v.page.evaluate(async () => {
        const grid = document.querySelector('[data-testid="node-table"]');
        const frame = () => new Promise((r) => requestAnimationFrame(() => r()));
        const steps = [];
        let maxRows = 0;
        const max = grid.scrollHeight - grid.clientHeight;
        for (let i = 1; i <= 60; i++) {
          const t0 = performance.now();
          grid.scrollTop = (max * i) / 60;
          await frame();
          await frame();
          steps.push(performance.now() - t0);
          maxRows = Math.max(maxRows, grid.querySelectorAll('[role="row"]').length);
        }
        // a smooth run: 300 small steps of 3 rows
        grid.scrollTop = 0;
        await frame();
        const t1 = performance.now();
        for (let i = 0; i < 300; i++) {
          grid.scrollTop += 72;
          await frame();
        }
        const smoothMs = performance.now() - t1;
        steps.sort((a, b) => a - b);
        return { median: steps[30], max: steps[59], maxRows, smoothPerFrame: smoothMs / 300 };
      });
      assert.ok(scroll.maxRows < 200, `rows while scrolling ${scroll.maxRows}`);
      // jump to the end with the keyboard; last node visible
      await v.page.focus('[data-testid="node-table"]');
      await v.page.keyboard.press('End');
      const vis = await visibleRows(v.page);
      assert.ok(vis.includes(49999), 'last row visible after End');
      // wheel scroll works too
      await v.page.keyboard.press('Home');
      await v.page.mouse.move(600, 700);
      await v.page.mouse.wheel(0, 2400);
      await v.page.waitForTimeout(100);
      const afterWheel = await visibleRows(v.page);
      assert.ok(afterWheel[0] > 50, `wheel scrolled (first visible ${afterWheel[0]})`);
      // node/reveal deep in the list
      await v.send({ type: 'node/reveal', nodeIndex: 43210 });
      await v.page.waitForSelector('[data-node-index="43210"][aria-selected="true"]');
      assert.ok((await visibleRows(v.page)).includes(43210), 'revealed row visible');
      const sortMs = await v.page.evaluate(async () => {
        const t0 = performance.now();
        document.querySelector('[role="columnheader"][data-col="flops"] button').click();
        await new Promise((r) => requestAnimationFrame(() => r()));
        return performance.now() - t0;
      });
      ctx.figure(`50,000 rows with estimates on 3 targets and hints: first paint ${renderMs.toFixed(0)} ms (postMessage clone + validation + build + paint; the goal is under 1,000 ms), ${domRows} DOM rows (max ${scroll.maxRows} while scrolling)`);
      ctx.figure(`50,000 rows: render phases: ${phases}`);
      ctx.figure(`50,000 rows: jump-scroll median ${scroll.median.toFixed(1)} ms / max ${scroll.max.toFixed(1)} ms per step (2 frames), smooth scroll ${scroll.smoothPerFrame.toFixed(1)} ms per frame; sort by FLOPs ${sortMs.toFixed(0)} ms`);
      assert.ok(renderMs < 5000, `render ${renderMs} ms`);
      assert.ok(scroll.smoothPerFrame < 50, `smooth scroll ${scroll.smoothPerFrame} ms/frame`);
      await assertClean(v);
      await v.close();
    },
  },
  {
    name: 'bind controls post a valid dims/bind and show progress until the next report',
    async fn(ctx) {
      const report = syntheticReport(100);
      const v = await openWith(ctx, report);
      assert.ok(await v.page.$('[data-testid="bind-input-batch"]'));
      assert.ok(await v.page.$('[data-testid="bind-input-sequence"]'));
      await v.clearPosted();
      // invalid value: not posted, marked invalid
      await v.page.fill('[data-testid="bind-input-batch"] input', 'abc');
      await v.page.click('[data-testid="bind-apply"]');
      assert.equal(await v.page.getAttribute('[data-testid="bind-input-batch"]', 'aria-invalid'), 'true');
      assert.deepEqual(await v.posted(), []);
      await v.page.fill('[data-testid="bind-input-batch"] input', '8');
      await v.page.fill('[data-testid="bind-input-sequence"] input', '512');
      await v.page.click('[data-testid="bind-apply"]');
      const posted = await v.posted();
      assert.equal(posted.length, 1);
      assert.deepEqual(posted[0], { type: 'dims/bind', bindings: { batch: 8, sequence: 512 } });
      const parsed = ctx.lib.parseFromWebview(posted[0]);
      assert.ok(parsed.ok, 'validates with parseFromWebview');
      assert.match(await v.page.textContent('[data-testid="status"]'), /Re-profiling with batch=8, sequence=512/);
      assert.ok(await v.page.$('[data-testid="status"] vscode-progress-ring'));
      assert.ok(await v.page.$('[data-testid="bind-apply"][disabled]'), 'apply disabled while busy');
      // host answers: bound report
      const bound = { ...syntheticReport(100, { symbolic: false }), bindings: { batch: 8, sequence: 512 } };
      await v.send(show(bound));
      await v.page.waitForFunction(() => !document.querySelector('[data-testid="status"] vscode-progress-ring'));
      assert.equal(await v.page.inputValue('[data-testid="bind-input-batch"] input'), '8');
      assert.ok(!(await v.page.$('[data-testid="bind-apply"][disabled]')));
      assert.equal(await v.page.$('[data-testid="unknown-dims"]'), null);
      // Every input dim bound, one dim no binding reaches: the section says so rather than "all known".
      const message = "1 dim could not be inferred (shown as unk__N) and counts as 1 in totals; it first appears at 'nz' (NonZero)";
      await v.send(show({ ...bound, diagnostics: [{ severity: 'info', code: 'unknown-dims', message }, ...bound.diagnostics] }));
      await v.page.waitForSelector('[data-testid="unknown-dims"]');
      assert.equal(await v.page.textContent('[data-testid="unknown-dims"]'), `1${message.slice(1)}.`);
      assert.match(await v.page.textContent('.bind-section'), /All symbolic dims are bound\./);
      // A dim the analysis derived (a decoder's total length) is a hint in its field, not a value Apply posts back.
      await v.send(show({ ...bound, bindings: { ...bound.bindings, sequence: 513 }, derivedBindings: { sequence: 513 } }));
      await v.page.waitForFunction(() => document.querySelector('[data-testid="bind-input-sequence"]')?.getAttribute('placeholder') === '513 (derived)');
      assert.equal(await v.page.inputValue('[data-testid="bind-input-sequence"] input'), '');
      await v.clearPosted();
      await v.page.click('[data-testid="bind-apply"]');
      assert.deepEqual((await v.posted())[0], { type: 'dims/bind', bindings: { batch: 8 } });
      await assertClean(v);
      await v.close();
    },
  },
  {
    name: 'malformed host messages are dropped without breaking the view',
    async fn(ctx) {
      const report = syntheticReport(50);
      const v = await openWith(ctx, report);
      const before = await rows(v.page);
      await v.send({ type: 'report/show', report: { nodes: 'not-a-list' }, settings: settings() });
      await v.send({ type: 'report/show', report: { ...report, nodes: [null, 5] }, settings: settings() });
      await v.send({ type: 'bogus/type' });
      await v.send('a string');
      await v.send(null);
      await v.send({ type: 'node/reveal', nodeIndex: -3 });
      await v.send({ type: 'report/progress', message: 42 });
      await v.send({ type: 'report/show', report, settings: settings(), estimates: { targets: [{ target: 5 }] }, hints: 'nope' });
      await v.send({ type: 'report/show', report: { ...report, derivedBindings: { sequence: 'x' } }, settings: settings() });
      await v.page.waitForTimeout(100);
      const after = await rows(v.page);
      assert.deepEqual(after.map((r) => r.node), before.map((r) => r.node));
      assert.ok(v.warnings.some((w) => /dropped a host message/.test(w)), 'drops are logged');
      assert.ok(v.warnings.some((w) => /dropped report\/show: node 0 is malformed/.test(w)), 'deep check logged');
      // still alive: a good message still works
      await v.send(show(syntheticReport(20)));
      await v.page.waitForFunction(() => /20 of 20/.test(document.querySelector('[data-testid="table-info"]').textContent));
      // error message shows as an alert, not a stack
      await v.send({ type: 'report/error', message: 'Cannot read model: truncated protobuf' });
      assert.equal(await v.page.textContent('[role="alert"]'), 'Cannot read model: truncated protobuf');
      await assertClean(v);
      await v.close();
    },
  },
  {
    name: "strict CSP (style-src cspSource only): view works; only the toolkit's focus-visible probe is blocked",
    async fn(ctx) {
      const v = await ctx.open('editor', { csp: 'strict' });
      await v.send(show(syntheticReport(100)));
      await v.page.waitForSelector('[data-testid="node-row"]');
      await v.page.click('[data-testid="node-row"][data-node-index="3"]');
      await v.page.waitForSelector('[data-testid="node-detail"]:not([hidden])');
      const violations = await v.csp();
      // FAST (toolkit) probes :focus-visible with a temporary <style>; without a style nonce it is blocked
      // and FAST falls back to :focus. Nothing else may be blocked (no inline styles of ours).
      assert.ok(violations.length <= 1 && violations.every((x) => /^style-src-elem blocked inline/.test(x)), JSON.stringify(violations));
      assert.deepEqual(v.errors.filter((e) => !/Applying inline style violates the following Content Security Policy/.test(e)), []);
      await v.close();
    },
  },
  {
    name: 'untrusted names are rendered as text, never HTML',
    async fn(ctx) {
      const report = syntheticReport(30);
      report.nodes[0] = { ...report.nodes[0], name: '<img src=x onerror="window.__pwned=1">', opType: '<b>Evil</b>' };
      const v = await openWith(ctx, report, {}, { hints: syntheticHints(report) });
      const rs = await rows(v.page);
      assert.equal(rs[0].cells.name.text, '<img src=x onerror="window.__pwned=1">');
      assert.equal(await v.page.$$eval('.vgrid img, .vgrid b', (e) => e.length), 0);
      assert.equal(await v.page.evaluate(() => window.__pwned), undefined);
      await assertClean(v);
      await v.close();
    },
  },
  {
    name: 'keyboard: Tab to the table, arrows move the selection, Enter opens details (with the estimator\'s notes) and posts node/select',
    async fn(ctx) {
      const report = syntheticReport(200);
      const estimates = syntheticEstimates(report);
      // The estimator's notes on node 1 on the H100, as the report's layerTimes carries them: a table of texts.
      const fill = '32 groups of 4 → 4 channels: 6% (8 columns × 32) of each int8 matrix instruction does work';
      estimates.nodeTimes['h100-sxm'].notes = { texts: ['fp32 runs as bf16', fill], nodeIndex: [1, 1, 3], text: [1, 0, 0] };
      const bad = show(report, { estimates: { ...estimates, nodeTimes: { ...estimates.nodeTimes, 'h100-sxm': { ...estimates.nodeTimes['h100-sxm'], notes: { texts: [fill], nodeIndex: [1], text: [1] } } } } });
      assert.match(ctx.lib.parseToWebview(bad).reason, /notes\.text must be 1 positions in notes\.texts/, 'a note pointing past its texts is refused');
      const v = await openWith(ctx, report, {}, { hints: syntheticHints(report), estimates });
      await v.page.focus('body');
      let tabs = 0;
      while (tabs < 60) {
        await v.page.keyboard.press('Tab');
        tabs++;
        if (await v.page.evaluate(() => document.activeElement?.dataset?.testid === 'node-table')) break;
      }
      assert.ok(tabs < 60, 'reached the table with Tab');
      // focus ring visible on the grid
      const outline = await v.page.evaluate(() => getComputedStyle(document.activeElement).outlineStyle);
      assert.notEqual(outline, 'none', 'visible focus outline');
      await v.page.keyboard.press('ArrowDown');
      await v.page.keyboard.press('ArrowDown');
      await v.page.keyboard.press('ArrowDown');
      const active = await v.page.getAttribute('[data-testid="node-table"]', 'aria-activedescendant');
      const activeNode = await v.page.$eval(`#${active}`, (e) => Number(e.dataset.nodeIndex));
      assert.equal(activeNode, 2);
      await v.page.keyboard.press('ArrowUp');
      assert.equal(await v.page.$eval('[data-testid="node-row"][aria-selected="true"]', (e) => Number(e.dataset.nodeIndex)), 1);
      await v.page.keyboard.press('PageDown');
      const afterPage = await v.page.$eval('[data-testid="node-row"][aria-selected="true"]', (e) => Number(e.dataset.nodeIndex));
      assert.ok(afterPage > 10, `PageDown moved to ${afterPage}`);
      await v.page.keyboard.press('Home');
      await v.page.keyboard.press('ArrowDown');
      await v.clearPosted();
      await v.page.keyboard.press('Enter');
      await v.page.waitForSelector('[data-testid="node-detail"]:not([hidden])');
      assert.equal(await v.page.textContent('[data-testid="detail-title"]'), report.nodes[1].name);
      assert.deepEqual(await v.posted(), [{ type: 'node/select', nodeIndex: 1 }]);
      assert.match(await v.page.textContent('[data-testid="node-detail"] [data-field="flops"]'), /\d/);
      assert.match(await v.page.textContent('[data-testid="node-detail"] [data-field="times"]'), /H100-SXM/);
      assert.equal(await v.page.textContent('[data-testid="node-detail"] [data-testid="time-notes"]'), `${fill}; fp32 runs as bf16`, 'the note under the H100 time, and only there');
      assert.equal(await v.page.locator('[data-testid="node-detail"] [data-testid="time-notes"]').count(), 1);
      await v.page.locator('[data-testid="node-detail"]').screenshot({ path: path.join(ctx.screenshotsDir, 'editor-detail-notes.png') });
      await v.page.keyboard.press('Escape');
      assert.ok(await v.page.$('[data-testid="node-detail"][hidden]'), 'Escape closes details');
      // clicking a row with a hint: badge, details with the hint, node/select
      await v.page.click('[data-testid="node-row"][data-node-index="5"]');
      assert.equal(await v.page.textContent('[data-testid="node-row"][data-node-index="5"] [data-col="hints"]'), '1');
      assert.match(await v.page.textContent('[data-testid="node-detail"]'), /static-graph\.dynamic-shape/);
      assert.deepEqual((await v.posted()).at(-1), { type: 'node/select', nodeIndex: 5 });
      await assertClean(v);
      await v.close();
    },
  },
  {
    name: 'ARIA: grid semantics, sortable headers, labelled inputs',
    async fn(ctx) {
      const v = await openWith(ctx, syntheticReport(100));
      const grid = await v.page.$('[data-testid="node-table"]');
      assert.equal(await grid.getAttribute('role'), 'grid');
      assert.ok(await grid.getAttribute('aria-label'));
      assert.equal(await grid.getAttribute('aria-colcount'), '14');
      const headers = await v.page.$$eval('[role="columnheader"]', (els) => els.map((e) => ({ sort: e.getAttribute('aria-sort'), label: e.textContent })));
      assert.ok(headers.length >= 14 && headers.every((h) => h.sort !== null && h.label), 'every header sortable with aria-sort');
      const rowIdx = await v.page.$$eval('[data-testid="node-row"]', (els) => els.every((e) => e.getAttribute('role') === 'row' && e.getAttribute('aria-rowindex')));
      assert.ok(rowIdx);
      const cellsOk = await v.page.$$eval('[data-testid="node-row"] > *', (els) => els.every((e) => e.getAttribute('role') === 'gridcell'));
      assert.ok(cellsOk);
      // every text field has a visible label (slotted text), every dropdown an accessible name
      const unlabeled = await v.page.evaluate(() => [
        ...[...document.querySelectorAll('vscode-text-field')].filter((f) => !f.textContent.trim() && !f.getAttribute('aria-label')).map((f) => f.dataset.testid),
        ...[...document.querySelectorAll('vscode-dropdown')].filter((d) => !d.getAttribute('aria-label') && !d.getAttribute('aria-labelledby')).map((d) => d.dataset.testid),
        ...[...document.querySelectorAll('input, select, textarea')].filter((i) => !i.labels?.length && !i.getAttribute('aria-label')).map((i) => i.outerHTML),
      ]);
      assert.deepEqual(unlabeled, []);
      const axName = await v.page.getByRole('grid', { name: 'Layers' }).count();
      assert.equal(axName, 1);
      assert.ok((await v.page.getByRole('textbox', { name: 'batch' }).count()) === 1, 'bind field reachable by its label');
      assert.ok((await v.page.getByRole('combobox', { name: 'Group by' }).count()) === 1);
      assert.ok(await v.page.$('[data-testid="chart-optype"][role="img"][aria-label]'));
      await assertClean(v);
      await v.close();
    },
  },
  {
    name: 'estimates and hints: time column, roofline roofs, hint badges, target switch',
    async fn(ctx) {
      const report = syntheticReport(400);
      const estimates = syntheticEstimates(report);
      const v = await openWith(ctx, report, {}, { estimates, hints: syntheticHints(report) });
      const rs = await rows(v.page);
      assert.notEqual(rs[0].cells.time.text, '—');
      assert.equal((await v.page.$$('[data-testid="chart-roofline"] .roof')).length, estimates.targets.length);
      assert.ok((await v.page.$$('[data-testid="chart-time"] .bar')).length > 5);
      const badges = await v.page.$$eval('[data-col="hints"] .row-badge', (e) => e.length);
      assert.ok(badges > 0);
      // The best target (lowest latency among those that fit) is shown first.
      assert.match(await v.page.textContent('[data-testid="card-roofline"]'), new RegExp(`points: ${estimates.bestTarget}`));
      const slowestOn = (t) => {
        const c = estimates.nodeTimes[t];
        return c.nodeIndex[c.seconds.indexOf(Math.max(...c.seconds))];
      };
      // sort by time descending: first row is the slowest on the shown target
      await v.page.click('[role="columnheader"][data-col="time"] button');
      assert.equal((await rows(v.page))[0].node, slowestOn(estimates.bestTarget));
      // switch target
      await v.page.click('[data-testid="time-target"]');
      await v.page.click('[data-testid="time-target"] vscode-option[value="l4"]');
      await v.page.waitForFunction(() => /Roofline \(points: l4\)/.test(document.querySelector('[data-testid="card-roofline"]').textContent));
      assert.equal((await rows(v.page))[0].node, slowestOn('l4'));
      assert.equal(Number(await v.page.getAttribute('[data-testid="time-latency"]', 'data-value')), estimates.targets.find((t) => t.target === 'l4').latencySeconds);
      // hint details: id, explanation and saving text
      const mm = report.nodes.find((n) => n.opType === 'MatMul');
      await v.send({ type: 'node/reveal', nodeIndex: mm.index });
      await v.page.waitForSelector(`[data-node-index="${mm.index}"][aria-selected="true"]`);
      await v.page.click(`[data-node-index="${mm.index}"]`);
      const detail = await v.page.textContent('[data-testid="node-detail"]');
      assert.match(detail, /precision\.fp8/);
      assert.match(detail, /Halves weight bytes/);
      assert.match(detail, /h100-sxm −20 % latency/);
      assert.match(detail, /a100-80gb no gain \(a100-80gb has no fp8\)/);
      await assertClean(v);
      await v.close();
    },
  },
  {
    name: 'roofline: every plotted point is on or under its target\'s roof at its own intensity',
    async fn(ctx) {
      const report = syntheticReport(3000);
      const estimates = syntheticEstimates(report);
      const v = await openWith(ctx, report, {}, { estimates });
      let checked = 0;
      for (const target of ['h100-sxm', 'l4', 'groq-lpu']) {
        await v.page.click('[data-testid="time-target"]');
        await v.page.click(`[data-testid="time-target"] vscode-option[value="${target}"]`);
        await v.page.waitForFunction((t) => document.querySelector('[data-testid="card-roofline"]').textContent.includes(`points: ${t}`), target);
        const plotted = await v.page.evaluate((t) => {
          const roof = document.querySelector(`[data-testid="chart-roofline"] .roof[data-target="${t}"]`);
          const points = [...document.querySelectorAll('[data-testid="chart-roofline"] .point')].map((p) => ({ x: Number(p.dataset.x), y: Number(p.dataset.y), cy: Number(p.getAttribute('cy')) }));
          return { peak: Number(roof.dataset.peak), bandwidth: Number(roof.dataset.bandwidth), points };
        }, target);
        assert.ok(plotted.points.length > 1000, `${plotted.points.length} points`);
        for (const p of plotted.points) {
          const roof = Math.min(plotted.peak, plotted.bandwidth * p.x);
          assert.ok(p.y <= roof * (1 + 1e-9), `${target}: a point at ${p.x} FLOP/B plots ${p.y} FLOP/s above its roof ${roof}`);
          checked++;
        }
      }
      ctx.figure(`roofline: ${checked} plotted points checked against their target's roof, none above`);
      await v.page.locator('[data-testid="card-roofline"]').screenshot({ path: path.join(ctx.screenshotsDir, 'editor-roofline.png') });
      await assertClean(v);
      await v.close();
    },
  },
  {
    name: 'state survives hide/show (getState/setState), export posts report/export',
    async fn(ctx) {
      const report = syntheticReport(2000);
      let v = await openWith(ctx, report);
      await v.page.click('[role="columnheader"][data-col="params"] button');
      await v.page.fill('[data-testid="filter-input"] input', 'MatMul');
      await v.page.waitForFunction(() => /^200 of/.test(document.querySelector('[data-testid="table-info"]').textContent));
      await v.page.click('[data-testid="node-row"]:nth-child(3)');
      const selected = await v.page.$eval('[data-testid="node-row"][aria-selected="true"]', (e) => Number(e.dataset.nodeIndex));
      await v.clearPosted();
      await v.page.click('[data-testid="export-csv"]');
      assert.deepEqual(await v.posted(), [{ type: 'report/export', format: 'csv' }]);
      const state = await v.state();
      assert.equal(state.sortCol, 'params');
      await v.close();
      // "show" again: a fresh page with the saved state, the host re-sends the report
      v = await openWith(ctx, report, { state });
      assert.equal(await v.page.getAttribute('[role="columnheader"][data-col="params"]', 'aria-sort'), 'descending');
      assert.equal(await v.page.inputValue('[data-testid="filter-input"] input'), 'MatMul');
      assert.match(await v.page.textContent('[data-testid="table-info"]'), /^200 of/);
      assert.equal(await v.page.$eval('[data-testid="node-row"][aria-selected="true"]', (e) => Number(e.dataset.nodeIndex)), selected);
      assert.ok(await v.page.$('[data-testid="node-detail"]:not([hidden])'), 'detail pane restored');
      await assertClean(v);
      await v.close();
    },
  },
  {
    name: 'baseline: every figure before and after, costlier changes marked in words and colour; the buttons post baseline/choose and baseline/clear',
    async fn(ctx) {
      const report = syntheticReport(200);
      const estimates = syntheticEstimates(report, ['h100-sxm', 'l4']);
      const slower = { ...estimates, targets: estimates.targets.map((e) => (e.target === 'l4' ? { ...e, latencySeconds: e.latencySeconds * 1.25, throughputPerChipPerSecond: e.throughputPerChipPerSecond / 1.25 } : e)) };
      // The baseline's node 120 computed twice as much, and it had a node this model dropped.
      const changedIndex = 120;
      const dropped = { ...report.nodes[3], index: 200, name: '/model/old_head/Relu' };
      const nodes = [...report.nodes.map((n) => (n.index === changedIndex ? { ...n, flops: n.flops * 2 } : n)), dropped];
      const before = { ...report, nodes, totals: { ...report.totals, flops: Number(report.totals.flops) * 2 }, estimates: estimates.targets };
      const baseline = ctx.lib.compareWithBaseline(before, { ...report, estimates: slower.targets }, '/models/baseline.json');
      const message = show(report, { estimates: slower, baseline });
      assert.ok(ctx.lib.parseToWebview(message).ok, 'the comparison passes the protocol validator');
      const v = await ctx.open('editor');
      await v.send(message);
      await v.page.waitForSelector('[data-testid="baseline"]');
      assert.match(await v.page.textContent('[data-testid="baseline"] h2'), /^Against baseline \/models\/baseline\.json \(/);
      assert.equal(await v.page.locator('.baseline-table tbody tr').count(), baseline.changes.length);
      const row = (metric, target = '') => v.page.locator(`.baseline-table tr[data-metric="${metric}"][data-target="${target}"]`);
      assert.equal(await row('latency', 'l4').getAttribute('class'), 'worse');
      assert.equal(await row('latency', 'l4').locator('td[data-field="change"]').textContent(), '+25% (worse)');
      assert.equal(await row('flops').getAttribute('class'), 'better');
      assert.equal(await row('flops').locator('td[data-field="change"]').textContent(), '-50%');
      assert.equal(await row('latency', 'h100-sxm').locator('td[data-field="change"]').textContent(), '0%');
      const worseColour = await row('latency', 'l4').locator('td[data-field="change"]').evaluate((e) => getComputedStyle(e).color);
      const plainColour = await row('latency', 'h100-sxm').locator('td[data-field="change"]').evaluate((e) => getComputedStyle(e).color);
      assert.notEqual(worseColour, plainColour, 'a costlier change stands out');
      assert.match(await v.page.textContent('.baseline-notes'), /op types: the same counts and FLOPs/);
      assert.equal(await v.page.textContent('[data-testid="baseline-layers-summary"]'), 'layers that changed (layers paired 200 by name): 1 changed, 0 added, 1 removed; each by share of FLOPs and bytes moved:');
      const layerRows = v.page.locator('[data-testid="baseline-layers"] tbody tr');
      assert.equal(await layerRows.count(), 2);
      const changedName = report.nodes[changedIndex].name;
      assert.deepEqual(await layerRows.nth(0).locator('th, td').allTextContents().then((c) => c.slice(0, 3)), [changedName, report.nodes[changedIndex].opType, 'changed']);
      assert.equal(await layerRows.nth(1).locator('button').count(), 0, 'a removed layer has nothing to reveal');
      await v.page.locator('[data-testid="baseline"]').screenshot({ path: path.join(ctx.screenshotsDir, 'editor-baseline.png') });
      await layerRows.nth(0).locator('button.link-button').click();
      await v.page.waitForSelector(`[data-testid="node-row"][data-node-index="${changedIndex}"][aria-selected="true"]`);
      assert.ok(await v.page.$('[data-testid="node-detail"]:not([hidden])'), "the changed layer's detail opens");
      await v.clearPosted();
      await v.page.click('[data-testid="baseline-clear"]');
      await v.page.click('[data-testid="baseline-choose"]');
      const posted = await v.posted();
      assert.deepEqual(posted, [{ type: 'baseline/clear' }, { type: 'baseline/choose' }]);
      assert.ok(posted.every((m) => ctx.lib.parseFromWebview(m).ok));
      await v.send(show(report, { estimates: slower }));
      await v.page.waitForSelector('[data-testid="baseline"]', { state: 'detached' });
      await v.send(show(report, { estimates: slower, baseline: { ...baseline, changes: [{ metric: 'flops', unit: 'flops', before: '1e9' }] } }));
      await v.page.waitForTimeout(100);
      assert.ok(v.warnings.some((w) => /report\/show: baseline: changes: 'flops': before must be a number or null/.test(w)), 'a malformed comparison is dropped and logged');
      await assertClean(v);
      await v.close();
    },
  },
  {
    name: 'screenshots: dark, light and high-contrast themes',
    async fn(ctx) {
      const report = syntheticReport(400);
      for (const theme of ['dark', 'light', 'hc']) {
        const v = await openWith(ctx, report, { theme, viewport: { width: 1400, height: 1300 } }, { estimates: syntheticEstimates(report), hints: syntheticHints(report) });
        await v.page.focus('[data-testid="node-table"]');
        await v.page.keyboard.press('ArrowDown');
        await v.page.keyboard.press('ArrowDown');
        await v.page.keyboard.press('Enter');
        await v.page.waitForTimeout(150);
        await v.page.screenshot({ path: path.join(ctx.screenshotsDir, `editor-${theme}.png`), fullPage: true });
        await assertClean(v);
        await v.close();
      }
      const real = profileRealModel(ctx);
      if (real) {
        const v = await openWith(ctx, real, { theme: 'dark', viewport: { width: 1400, height: 1300 } });
        await v.page.screenshot({ path: path.join(ctx.screenshotsDir, 'editor-real-inception-dark.png'), fullPage: true });
        await v.close();
      }
    },
  },
];
