// Hardware side panel tests (driven by scripts/runWebviewTests.mjs).
import assert from 'node:assert/strict';
import path from 'node:path';
import { assertClean, lastCompare, openPanel, PANEL_VIEWPORT } from './checks.mjs';
import { TARGETS, coreHints, payloadEstimates, settings, syntheticEstimates, syntheticHints, syntheticReport } from './fixtures.mjs';

const report = syntheticReport(120);
const estimates = syntheticEstimates(report);
const show = (extra = {}) => ({ type: 'report/show', report, settings: settings(), estimates, hints: syntheticHints(report), ...extra });

export const tests = [
  {
    name: 'sidebar: default targets, estimate rows match the estimates',
    async fn(ctx) {
      const v = await ctx.open('sidebar', { viewport: PANEL_VIEWPORT });
      // before any report: default mix is pre-selected in the picker
      const checked = await v.page.$$eval('[data-testid="target-picker"] vscode-checkbox', (els) => els.filter((e) => e.checked).map((e) => e.dataset.value));
      assert.deepEqual([...checked].sort(), [...TARGETS].sort());
      assert.ok(await v.page.$('[data-testid="hardware-table-empty"]'));
      await v.send(show());
      await v.page.waitForSelector('[data-testid="hardware-table"]');
      const rows = await v.page.$$eval('[data-testid="estimate-row"]', (els) => els.map((e) => ({ target: e.dataset.target, cells: Object.fromEntries([...e.querySelectorAll('td')].map((c) => [c.dataset.col, { value: c.dataset.value, text: c.textContent }])) })));
      assert.deepEqual(rows.map((r) => r.target), estimates.map((e) => e.target));
      for (const r of rows) {
        const e = estimates.find((x) => x.target === r.target);
        assert.equal(Number(r.cells.latency.value), e.latencySeconds);
        assert.equal(Number(r.cells.throughput.value), e.throughputPerSecond);
        assert.equal(Number(r.cells.joules.value), e.joulesPerInference);
        assert.equal(r.cells.fits.text, e.fits ? 'yes' : `no (${e.chipsNeeded})`);
        if (e.costPerMillionUsd === null) assert.equal(r.cells.cost.text, 'n/a');
      }
      // the best latency is marked, for screen readers too
      const best = [...estimates].sort((a, b) => a.latencySeconds - b.latencySeconds)[0].target;
      assert.match(await v.page.textContent(`[data-testid="estimate-row"][data-target="${best}"] td[data-col="latency"]`), /\(best\)/);
      // charts
      assert.equal((await v.page.$$('[data-testid="hw-chart-latency"] .bar')).length, estimates.length);
      assert.equal((await v.page.$$('[data-testid="hw-chart-cost"] .bar')).length, estimates.filter((e) => e.costPerMillionUsd !== null).length);
      // sortable header
      await v.page.click('[data-testid="hardware-table"] th:nth-child(2) button');
      const sorted = await v.page.$$eval('[data-testid="estimate-row"]', (els) => els.map((e) => e.dataset.target));
      assert.deepEqual(sorted, [...estimates].sort((a, b) => a.latencySeconds - b.latencySeconds).map((e) => e.target));
      assert.equal(await v.page.getAttribute('[data-testid="hardware-table"] th:nth-child(2)', 'aria-sort'), 'ascending');
      await assertClean(v);
      await v.close();
    },
  },
  {
    name: 'sidebar: picking targets, batch, precision and what-if post a valid hardware/compare',
    async fn(ctx) {
      const v = await openPanel(ctx, show(), '[data-testid="hardware-table"]');
      await v.clearPosted();
      await v.page.click('[data-testid="target-l4"]');
      await v.page.click('[data-testid="target-mi300x"]');
      let m = await lastCompare(v);
      assert.ok(!m.targets.includes('l4') && m.targets.includes('mi300x'), JSON.stringify(m.targets));
      assert.equal(m.batch, 1);
      assert.ok(ctx.lib.parseFromWebview(m).ok);
      // batch: invalid is not posted
      await v.clearPosted();
      await v.page.fill('[data-testid="batch-input"] input', '0');
      await v.page.waitForTimeout(400);
      assert.deepEqual(await v.posted(), []);
      assert.equal(await v.page.getAttribute('[data-testid="batch-input"]', 'aria-invalid'), 'true');
      await v.page.fill('[data-testid="batch-input"] input', '16');
      m = await lastCompare(v);
      assert.equal(m.batch, 16);
      // precision
      await v.clearPosted();
      await v.page.click('[data-testid="precision-select"]');
      await v.page.click('[data-testid="precision-select"] vscode-option[value="fp8"]');
      m = await lastCompare(v);
      assert.equal(m.precision, 'fp8');
      const parsed = ctx.lib.parseFromWebview(m);
      assert.ok(parsed.ok && parsed.message.precision === 'fp8', 'precision survives the validator');
      // what-if toggle posts at once
      await v.clearPosted();
      await v.page.click('[data-testid="whatif-fp8-matmul"]');
      m = await lastCompare(v);
      assert.deepEqual(m.whatIf, { 'fp8-matmul': true });
      assert.ok(ctx.lib.parseFromWebview(m).ok);
      assert.match(await v.page.textContent('.what-if'), /h100-sxm: −31 % latency/);
      // untrusted hint text shows as text
      assert.match(await v.page.textContent('.what-if'), /<img src=x onerror=alert\(1\)> is not HTML/);
      assert.equal(await v.page.$$eval('.what-if img', (e) => e.length), 0);
      // state persisted for hide/show
      const state = await v.state();
      assert.equal(state.batch, 16);
      assert.equal(state.precision, 'fp8');
      assert.equal(state.whatIf['fp8-matmul'], true);
      await assertClean(v);
      await v.close();
    },
  },
  {
    name: 'sidebar: malformed messages dropped; keyboard reaches the picker and table; labels',
    async fn(ctx) {
      const v = await openPanel(ctx, show(), '[data-testid="hardware-table"]');
      await v.send({ type: 'report/show', report: null, settings: {} });
      await v.send({ type: 'hardware/whatever' });
      await v.send(show({ estimates: [{ target: 'x', latencySeconds: 'slow' }, 7] }));
      await v.page.waitForTimeout(50);
      // the malformed estimates entries are skipped, not thrown
      assert.ok(await v.page.$('[data-testid="hardware-table-empty"]'));
      await v.send(show());
      await v.page.waitForSelector('[data-testid="estimate-row"]');
      // Tab reaches a target checkbox and a sort button
      await v.page.focus('body');
      const seen = new Set();
      for (let i = 0; i < 80; i++) {
        await v.page.keyboard.press('Tab');
        seen.add(await v.page.evaluate(() => (document.activeElement?.dataset?.testid ?? document.activeElement?.getAttribute('aria-label') ?? document.activeElement?.tagName)));
      }
      assert.ok([...seen].some((x) => /^target-/.test(x)), 'a target checkbox is reachable');
      assert.ok([...seen].some((x) => /^Sort by/.test(x)), 'table sort buttons are reachable');
      assert.ok(seen.has('batch-input'));
      // space toggles a focused checkbox
      await v.page.focus('[data-testid="target-h100-sxm"]');
      await v.clearPosted();
      await v.page.keyboard.press('Space');
      const m = await lastCompare(v);
      assert.ok(!m.targets.includes('h100-sxm'));
      assert.ok((await v.page.getByRole('textbox', { name: 'Batch' }).count()) === 1);
      assert.ok((await v.page.getByRole('combobox', { name: 'Precision' }).count()) === 1);
      assert.ok((await v.page.getByRole('table', { name: 'Estimates per hardware target' }).count()) === 1);
      await assertClean(v);
      await v.close();
    },
  },
  {
    name: "sidebar: the host's EstimatesPayload and core Hint shapes",
    async fn(ctx) {
      const v = await openPanel(ctx, show({ estimates: payloadEstimates(report), hints: coreHints(report) }), '[data-testid="estimate-row"]');
      assert.equal((await v.page.$$('[data-testid="estimate-row"]')).length, TARGETS.length);
      assert.ok(await v.page.$('[data-testid="target-my-npu"]'), 'catalog from estimates.available (custom target)');
      assert.match(await v.page.textContent('[role="alert"]'), /Unknown target ids: nope-9000/);
      const wi = await v.page.textContent('.what-if');
      assert.match(wi, /h100-sxm: −20 % latency/);
      assert.match(wi, /a100-80gb: no gain \(no FP8 support\)/);
      await assertClean(v);
      await v.close();
    },
  },
  {
    name: 'sidebar: screenshots in dark, light and high-contrast themes',
    async fn(ctx) {
      for (const theme of ['dark', 'light', 'hc']) {
        const v = await ctx.open('sidebar', { theme, viewport: { width: 420, height: 1500 } });
        await v.send(show());
        await v.page.waitForSelector('[data-testid="estimate-row"]');
        await v.page.screenshot({ path: path.join(ctx.screenshotsDir, `sidebar-${theme}.png`), fullPage: true });
        await assertClean(v);
        await v.close();
      }
    },
  },
];
