// Hardware side panel tests (driven by scripts/runWebviewTests.mjs).
import assert from 'node:assert/strict';
import path from 'node:path';
import { assertClean, lastCompare, openPanel, PANEL_VIEWPORT } from './checks.mjs';
import { TARGETS, settings, syntheticEstimates, syntheticHints, syntheticReport } from './fixtures.mjs';

const report = syntheticReport(120);
const estimates = syntheticEstimates(report);
const show = (extra = {}) => ({ type: 'report/show', report, settings: settings(), estimates, hints: syntheticHints(report), ...extra });

/** The estimate rows: target and, per cell, its data-field's raw value and text. */
const estimateRows = (v) =>
  v.page.$$eval('[data-testid="estimate-row"]', (els) => els.map((e) => ({ target: e.dataset.target, cells: Object.fromEntries([...e.querySelectorAll('td')].map((c) => [c.dataset.field, { value: c.dataset.value, text: c.textContent }])) })));

export const tests = [
  {
    name: 'sidebar: the host settings select the targets; estimate rows match the estimates',
    async fn(ctx) {
      const v = await ctx.open('sidebar', { viewport: PANEL_VIEWPORT });
      assert.ok(await v.page.$('[data-testid="hardware-table-empty"]'), 'nothing before the host answers');
      await v.send(show());
      await v.page.waitForSelector('[data-testid="hardware-table"]');
      const checked = await v.page.$$eval('[data-testid="target-picker"] vscode-checkbox', (els) => els.filter((e) => e.checked).map((e) => e.dataset.value));
      assert.deepEqual([...checked].sort(), [...TARGETS].sort());
      assert.ok(await v.page.$('[data-testid="target-my-npu"]'), 'the picker lists estimates.available (a custom target too)');
      const rows = await estimateRows(v);
      assert.deepEqual(rows.map((r) => r.target), estimates.targets.map((e) => e.target));
      for (const r of rows) {
        const e = estimates.targets.find((x) => x.target === r.target);
        assert.equal(Number(r.cells.latencySeconds.value), e.latencySeconds);
        assert.equal(r.cells.throughputPerSecond, undefined, 'throughput is in the wide comparison only');
        assert.equal(r.cells.joulesPerInference, undefined, 'energy is the chart');
        assert.equal(r.cells.fits.text, e.fits ? 'yes' : `${e.chipsNeeded} chips`);
        if (e.costPerMillionUsd === null) assert.equal(r.cells.costPerMillionUsd.text, 'n/a');
      }
      // Each target against the H100 SXM in one line under the table: speed-up per chip, then the cost multiple.
      const h100 = estimates.targets.find((x) => x.target === 'h100-sxm');
      const l4 = estimates.targets.find((x) => x.target === 'l4');
      const note = await v.page.textContent('[data-testid="relative-note"]');
      assert.match(note, /^Against h100-sxm \(throughput per chip, \$ per 1M\): /);
      const times = (x) => `${Number(x.toPrecision(3))}×`;
      assert.ok(note.includes(`l4 ${times(l4.throughputPerChipPerSecond / h100.throughputPerChipPerSecond)}, ${times(l4.costPerMillionUsd / h100.costPerMillionUsd)}`), note);
      // the best latency is marked, for screen readers too
      const best = [...estimates.targets].sort((a, b) => a.latencySeconds - b.latencySeconds)[0].target;
      assert.match(await v.page.textContent(`[data-testid="estimate-row"][data-target="${best}"] td[data-field="latencySeconds"]`), /\(best\)/);
      // charts
      assert.equal((await v.page.$$('[data-testid="hw-chart-latency"] .bar')).length, estimates.targets.length);
      assert.equal((await v.page.$$('[data-testid="hw-chart-cost"] .bar')).length, estimates.targets.filter((e) => e.costPerMillionUsd !== null).length);
      // sortable header
      await v.page.click('[data-testid="hardware-table"] th:nth-child(2) button');
      const sorted = await v.page.$$eval('[data-testid="estimate-row"]', (els) => els.map((e) => e.dataset.target));
      assert.deepEqual(sorted, [...estimates.targets].sort((a, b) => a.latencySeconds - b.latencySeconds).map((e) => e.target));
      assert.equal(await v.page.getAttribute('[data-testid="hardware-table"] th:nth-child(2)', 'aria-sort'), 'ascending');
      assert.equal(await v.page.$('[data-testid="kv-unbound-note"]'), null, 'no KV note when every cache is sized');
      // A decoder whose past length is unbound: one note says fit leaves the KV cache out.
      await v.send(show({ estimates: { ...estimates, targets: estimates.targets.map((e) => ({ ...e, kvCacheUnbound: true })) } }));
      await v.page.waitForSelector('[data-testid="kv-unbound-note"]');
      assert.match(await v.page.textContent('[data-testid="kv-unbound-note"]'), /past length is unbound, so memory and fit leave it out/);
      assert.equal((await v.page.$$('[data-testid="kv-unbound-note"]')).length, 1);
      await assertClean(v);
      await v.close();
    },
  },
  {
    name: 'sidebar: the target filter narrows the picker by name or id, hides empty groups, and keeps the choice',
    async fn(ctx) {
      const v = await openPanel(ctx, show(), '[data-testid="hardware-table"]');
      const shown = () => v.page.$$eval('[data-testid="target-picker"] [data-search]', (els) => els.filter((e) => e.getClientRects().length > 0).map((e) => e.dataset.value));
      const groupsShown = () => v.page.$$eval('[data-testid="target-picker"] .target-group', (els) => els.filter((e) => e.getClientRects().length > 0).map((e) => e.getAttribute('aria-label')));
      const all = await shown();
      assert.deepEqual([...all].sort(), [...TARGETS, 'my-npu'].sort());
      await v.clearPosted();
      await v.page.fill('[data-testid="target-filter"] input', 'NPU');
      await v.page.waitForFunction(() => [...document.querySelectorAll('[data-search]')].filter((e) => e.getClientRects().length > 0).length === 1);
      assert.deepEqual(await shown(), ['my-npu'], 'by name, in any case');
      assert.deepEqual(await groupsShown(), ['Edge'], 'groups with no match are hidden');
      await v.page.fill('[data-testid="target-filter"] input', 'device h100');
      assert.deepEqual(await shown(), TARGETS.filter((t) => t.includes('h100')), 'every word must match, name or id');
      await v.page.waitForTimeout(400);
      assert.deepEqual(await v.posted(), [], 'filtering posts nothing and changes no choice');
      // A new report re-renders the picker under the same filter.
      await v.send(show());
      await v.page.waitForTimeout(100);
      assert.deepEqual(await shown(), TARGETS.filter((t) => t.includes('h100')));
      await v.page.fill('[data-testid="target-filter"] input', '');
      assert.deepEqual(await shown(), all);
      const checked = await v.page.$$eval('[data-testid="target-picker"] vscode-checkbox', (els) => els.filter((e) => e.checked).map((e) => e.dataset.value));
      assert.deepEqual([...checked].sort(), [...TARGETS].sort(), 'the selection is untouched');
      await assertClean(v);
      await v.close();
    },
  },
  {
    name: "sidebar: a group's toggle selects or clears its targets, only those the filter shows, and posts the choice",
    async fn(ctx) {
      const v = await openPanel(ctx, show(), '[data-testid="hardware-table"]');
      const toggle = (cls) => v.page.locator(`[data-testid="target-group-${cls}"]`);
      const checked = () => v.page.$$eval('[data-testid="target-picker"] vscode-checkbox', (els) => els.filter((e) => e.checked).map((e) => e.dataset.value));
      const accelerators = ['tpu-v5e', 'inferentia2', 'gaudi3', 'groq-lpu'];
      const gpus = TARGETS.filter((t) => !accelerators.includes(t));
      assert.equal(await toggle('accelerator').textContent(), 'Clear', 'every accelerator is selected');
      assert.equal(await toggle('edge').textContent(), 'Select all');
      assert.equal(await toggle('accelerator').getAttribute('aria-label'), 'Clear every target shown in Accelerators');
      await v.clearPosted();
      await toggle('accelerator').click();
      let m = await lastCompare(v);
      assert.ok(ctx.lib.parseFromWebview(m).ok);
      assert.deepEqual([...m.targets].sort(), [...gpus].sort());
      assert.deepEqual([...(await checked())].sort(), [...gpus].sort(), 'the boxes follow');
      assert.equal(await toggle('accelerator').textContent(), 'Select all');
      assert.match(await v.page.textContent('[data-testid="target-picker"] legend'), /^Targets \(3 selected\)$/);
      // Under a filter, only the devices it shows.
      await v.page.fill('[data-testid="target-filter"] input', 'tpu');
      await v.page.waitForFunction(() => [...document.querySelectorAll('[data-search]')].filter((e) => e.getClientRects().length > 0).length === 1);
      await v.clearPosted();
      await toggle('accelerator').click();
      m = await lastCompare(v);
      assert.deepEqual([...m.targets].sort(), [...gpus, 'tpu-v5e'].sort());
      assert.equal(await toggle('accelerator').textContent(), 'Clear', 'every accelerator shown is selected');
      await v.page.fill('[data-testid="target-filter"] input', '');
      assert.equal(await toggle('accelerator').textContent(), 'Select all', 'three accelerators shown again, unselected');
      // One box ticked by hand relabels its group.
      await v.page.click('[data-testid="target-my-npu"]');
      assert.equal(await toggle('edge').textContent(), 'Clear');
      await v.page.locator('[data-testid="target-picker"]').screenshot({ path: path.join(ctx.screenshotsDir, 'sidebar-target-groups.png') });
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
      await v.page.click('[data-testid="target-my-npu"]');
      let m = await lastCompare(v);
      assert.ok(!m.targets.includes('l4') && m.targets.includes('my-npu'), JSON.stringify(m.targets));
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
      // every choice the picker offers (int8 weight-only among them) passes the validator: a refused one would do nothing
      const offered = await v.page.$$eval('[data-testid="precision-select"] vscode-option', (os) => os.map((o) => o.getAttribute('value')).filter(Boolean));
      assert.ok(offered.includes('int8-weight-only'), offered.join(', '));
      for (const precision of offered) assert.ok(ctx.lib.parseFromWebview({ ...m, precision }).ok, precision);
      // what-if toggle posts at once, with every other choice
      await v.clearPosted();
      await v.page.click('[data-testid="whatif-precision.fp8"]');
      m = await lastCompare(v);
      assert.deepEqual(m.whatIf, ['precision.fp8']);
      assert.equal(m.batch, 16);
      assert.ok(ctx.lib.parseFromWebview(m).ok);
      const wi = await v.page.textContent('.what-if');
      assert.match(wi, /h100-sxm: −20 % latency/);
      assert.match(wi, /a100-80gb: no gain \(a100-80gb has no fp8\)/);
      assert.equal(await v.page.getAttribute('[data-hint-id="precision.fp8"] [data-target="h100-sxm"]', 'data-seconds'), '0.00002');
      // advice without a change has no toggle; untrusted hint text shows as text
      assert.equal(await v.page.$$eval('[data-testid="whatif-static-graph.dynamic-shape"]', (e) => e.length), 0);
      assert.match(wi, /<img src=x onerror=alert\(1\)> is not HTML/);
      assert.equal(await v.page.$$eval('.what-if img', (e) => e.length), 0);
      // state persisted for hide/show
      const state = await v.state();
      assert.equal(state.batch, 16);
      assert.equal(state.precision, 'fp8');
      assert.deepEqual(state.whatIf, ['precision.fp8']);
      await assertClean(v);
      await v.close();
    },
  },
  {
    name: 'sidebar: "Max per target" and Chips post batch max and the chip count; the host\'s serving plans show each target\'s batch and layout',
    async fn(ctx) {
      const v = await openPanel(ctx, show(), '[data-testid="hardware-table"]');
      await v.clearPosted();
      await v.page.click('[data-testid="batch-max"]');
      let m = await lastCompare(v);
      assert.equal(m.batch, 'max');
      assert.equal(m.chips, 0, 'no chip count: the chips the model needs');
      assert.ok(ctx.lib.parseFromWebview(m).ok);
      assert.equal(await v.page.$eval('[data-testid="batch-input"]', (e) => e.hasAttribute('disabled')), true, 'the batch field is greyed out');
      // chips: invalid is not posted, a count is
      await v.clearPosted();
      await v.page.fill('[data-testid="chips-input"] input', 'eight');
      await v.page.waitForTimeout(400);
      assert.deepEqual(await v.posted(), []);
      assert.equal(await v.page.getAttribute('[data-testid="chips-input"]', 'aria-invalid'), 'true');
      await v.page.fill('[data-testid="chips-input"] input', '8');
      m = await lastCompare(v);
      assert.deepEqual([m.batch, m.chips], ['max', 8]);
      const parsed = ctx.lib.parseFromWebview(m);
      assert.ok(parsed.ok && parsed.message.batch === 'max' && parsed.message.chips === 8, 'batch max and chips survive the validator');
      assert.equal(ctx.lib.parseFromWebview({ ...m, batch: 'most' }).ok, false);
      assert.equal(ctx.lib.parseFromWebview({ ...m, chips: -1 }).ok, false);
      // The host answers with a plan per target: the table shows the batch and layout each got.
      const plans = estimates.targets.map((e, k) => ({ ...e, batch: 64 << k, chips: 8, serving: { batch: 64 << k, chipsPerInstance: 1, instances: 8, chips: 8, maxBatchInMemory: 900, limit: k ? 'memory' : 'saturated', throughputPerChipPerSecond: 1000 * (k + 1), fits: true } }));
      await v.send(show({ settings: settings({ batch: 'max', chips: 8 }), estimates: { ...estimates, targets: plans } }));
      await v.page.waitForSelector('[data-testid="estimate-row"] td[data-field="layout"]');
      const rows = await estimateRows(v);
      for (const r of rows) {
        const e = plans.find((x) => x.target === r.target);
        assert.equal(r.cells.batch.text, String(e.serving.batch));
        assert.equal(r.cells.layout.text, '8 × 1 chip');
      }
      assert.equal(await v.page.$eval('[data-testid="batch-max"]', (e) => e.checked), true);
      assert.equal(await v.page.$eval('[data-testid="chips-input"]', (e) => e.value), '8');
      assert.equal(await v.page.$('[role="alert"]:not([hidden])'), null, 'no "estimates are for another batch" notice under batch max');
      await v.page.screenshot({ path: path.join(ctx.screenshotsDir, 'sidebar-batch-max-dark.png'), fullPage: true });
      // Unticking goes back to the numeric batch.
      await v.clearPosted();
      await v.page.click('[data-testid="batch-max"]');
      m = await lastCompare(v);
      assert.deepEqual([m.batch, m.chips], [1, 8]);
      assert.equal((await v.state()).chips, 8);
      await assertClean(v);
      await v.close();
    },
  },
  {
    name: "sidebar: the host's what-if state checks the toggles and says where it applies; a reload keeps them",
    async fn(ctx) {
      const applied = { ...estimates, whatIf: { applied: [{ id: 'precision.fp8', code: 'precision.fp8', message: 'm', targets: ['h100-sxm'] }], dropped: [] } };
      const v = await openPanel(ctx, show({ settings: settings({ whatIf: ['precision.fp8'] }), estimates: applied }), '[data-testid="hardware-table"]');
      assert.equal(await v.page.$eval('[data-testid="whatif-precision.fp8"]', (e) => e.checked), true);
      assert.equal(await v.page.textContent('[data-hint-id="precision.fp8"] [data-testid="whatif-applied"]'), 'Applied on h100-sxm');
      const state = await v.state();
      await v.close();
      // A reload: the view's saved state shows the toggle before the host answers, and posts it back unchanged.
      const w = await ctx.open('sidebar', { viewport: PANEL_VIEWPORT, state });
      await w.send(show({ settings: settings({ whatIf: ['precision.fp8'] }), estimates: applied }));
      await w.page.waitForSelector('[data-testid="whatif-precision.fp8"]');
      assert.equal(await w.page.$eval('[data-testid="whatif-precision.fp8"]', (e) => e.checked), true);
      await w.clearPosted();
      await w.page.click('[data-testid="whatif-precision.fp8"]');
      assert.deepEqual((await lastCompare(w)).whatIf, [], 'unticking posts an empty list');
      await assertClean(w);
      await w.close();
    },
  },
  {
    name: 'sidebar: malformed messages dropped; keyboard reaches the picker and table; labels',
    async fn(ctx) {
      const v = await openPanel(ctx, show(), '[data-testid="hardware-table"]');
      await v.send({ type: 'report/show', report: null, settings: {} });
      await v.send({ type: 'hardware/whatever' });
      await v.send(show({ estimates: { ...estimates, targets: [{ target: 'x', latencySeconds: 'slow' }, 7] } }));
      await v.send(show({ hints: [{ id: 'Not An Id', code: 'x' }] }));
      await v.send({ ...show(), catalog: [{ id: 'h100-sxm', name: 7, deviceClass: 'gpu' }] });
      await v.send(show({ settings: settings({ precision: 'fp6' }) }));
      await v.page.waitForTimeout(50);
      assert.ok(v.warnings.some((w) => /catalog must list/.test(w)), 'a malformed catalog is refused and named');
      assert.ok(v.warnings.some((w) => /settings\.precision must be one of fp32, tf32/.test(w)), 'an unknown precision in the settings is refused and named');
      assert.ok(v.warnings.some((w) => /estimates: targets: /.test(w)), 'a malformed estimate is named in the log');
      assert.ok(v.warnings.some((w) => /hints: a hint has no valid id/.test(w)));
      assert.equal((await v.page.$$('[data-testid="estimate-row"]')).length, TARGETS.length, 'the last good report stays');
      // Tab reaches a target checkbox and a sort button
      await v.page.focus('body');
      const seen = new Set();
      for (let i = 0; i < 80; i++) {
        await v.page.keyboard.press('Tab');
        seen.add(await v.page.evaluate(() => (document.activeElement?.dataset?.testid ?? document.activeElement?.getAttribute('aria-label') ?? document.activeElement?.tagName)));
      }
      assert.ok([...seen].some((x) => /^target-/.test(x)), 'a target checkbox is reachable');
      assert.ok([...seen].some((x) => /^Sort targets by/.test(x)), 'table sort buttons are reachable');
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
    name: 'sidebar: unknown targets, refused custom hardware, targets that cannot be estimated and dropped what-ifs are shown; "Open wide comparison" posts compare/open',
    async fn(ctx) {
      const wse = { id: 'cerebras-wse3', name: 'Cerebras WSE-3 (CS-3)', vendor: 'Cerebras', deviceClass: 'accelerator', custom: false, notEstimated: 'cerebras-wse3 (Cerebras WSE-3 (CS-3)) is not estimated: the catalog holds no compute peak for it in any precision' };
      const noted = { ...estimates, available: [...estimates.available, wse], unknownTargets: ['nope-9000'], problems: ["custom hardware id 'h100-sxm' is already the catalog's NVIDIA H100 SXM5 80GB; pick another id"], notEstimated: ['cerebras-wse3 (Cerebras WSE-3 (CS-3)) is not estimated: the catalog holds no compute peak for it in any precision'], whatIf: { applied: [], dropped: ['fusion.gelu'] } };
      const v = await openPanel(ctx, show({ estimates: noted }), '[data-testid="estimate-row"]');
      const alert = await v.page.textContent('[role="alert"]');
      assert.match(alert, /Unknown target ids: nope-9000/);
      assert.match(alert, /custom hardware id 'h100-sxm' is already the catalog's/);
      assert.match(alert, /dropped: fusion\.gelu/);
      assert.match(alert, /cerebras-wse3 \(Cerebras WSE-3 \(CS-3\)\) is not estimated: the catalog holds no compute peak/);
      const picker = v.page.locator('[data-testid="target-cerebras-wse3"]');
      assert.match(await picker.textContent(), /Cerebras WSE-3 \(CS-3\) \(not estimated\)/, 'the picker says so before it is picked');
      assert.match(await picker.getAttribute('title'), /no compute peak/);
      await v.send(show({ estimates: { ...estimates, batch: 4 } }));
      await v.page.waitForFunction(() => /Estimates are for batch 4, not 1/.test(document.querySelector('[role="alert"]').textContent));
      await v.clearPosted();
      await v.page.click('[data-testid="open-compare"]');
      assert.deepEqual(await v.posted(), [{ type: 'compare/open' }]);
      await assertClean(v);
      await v.close();
    },
  },
  {
    name: 'sidebar: screenshots in dark, light and high-contrast themes; the table fits a 300 px panel',
    async fn(ctx) {
      const narrow = await ctx.open('sidebar', { viewport: { width: 300, height: 1500 } });
      await narrow.send(show());
      await narrow.page.waitForSelector('[data-testid="estimate-row"]');
      await narrow.page.screenshot({ path: path.join(ctx.screenshotsDir, 'sidebar-300px-dark.png'), fullPage: true });
      const overflow = await narrow.page.$eval('[data-testid="hardware-table"]', (t) => t.scrollWidth - t.parentElement.clientWidth);
      assert.ok(overflow <= 0, `the estimates table overflows a 300 px panel by ${overflow} px`);
      await narrow.close();
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
