// The wide hardware comparison (an editor-area webview), driven by scripts/runWebviewTests.mjs.
import assert from 'node:assert/strict';
import path from 'node:path';
import { assertClean, lastCompare } from './checks.mjs';
import { settings, syntheticEstimates, syntheticHints, syntheticLlm, syntheticReport } from './fixtures.mjs';

const TARGETS = ['h100-sxm', 'l4', 'tpu-v5e', 'groq-lpu', 'a100-80gb', 'inferentia2', 'gaudi3'];
const report = syntheticReport(200);
const estimates = syntheticEstimates(report, TARGETS, { llm: syntheticLlm(TARGETS) });
const show = (extra = {}) => ({ type: 'report/show', report, settings: settings({ targets: TARGETS }), estimates, hints: syntheticHints(report), ...extra });

/** A figure matrix read per target (its columns, in order): each figure's raw value and text. */
const matrixOf = (v, testId) =>
  v.page.$eval(`[data-testid="${testId}"]`, (table) =>
    [...table.querySelectorAll('thead th[data-target]')].map((th) => ({
      target: th.dataset.target,
      cells: Object.fromEntries([...table.querySelectorAll(`td[data-target="${th.dataset.target}"]`)].map((c) => [c.dataset.field, { value: c.dataset.value, text: c.textContent }])),
    })),
  );

async function openCompare(ctx, message, opts = {}) {
  const v = await ctx.open('compare', { viewport: { width: 1000, height: 1400 }, ...opts });
  await v.send(message);
  await v.page.waitForSelector('[data-testid="compare-row"]');
  return v;
}

export const tests = [
  {
    name: 'compare: one column per target with every figure (raw values equal to the estimates), each against the H100 SXM, LLM figures, charts',
    async fn(ctx) {
      const v = await openCompare(ctx, show());
      const rows = await matrixOf(v, 'compare-table');
      assert.deepEqual(rows.map((r) => r.target), TARGETS);
      const fields = Object.keys(rows[0].cells);
      assert.ok(fields.length >= 20, `${fields.length} figures per target`);
      assert.deepEqual(fields.slice(0, 2), ['speedupPerChip', 'costRelative'], 'the comparison leads with each target against the H100 SXM');
      const ratioTo = (e, ref, field) => (e[field] === null || ref[field] === null ? null : e[field] / ref[field]);
      const h100 = estimates.targets.find((x) => x.target === 'h100-sxm');
      for (const r of rows) {
        const e = estimates.targets.find((x) => x.target === r.target);
        for (const [field, cell] of Object.entries(r.cells)) {
          if (field === 'speedupPerChip') assert.equal(Number(cell.value), ratioTo(e, h100, 'throughputPerChipPerSecond'), `${r.target} speed-up`);
          else if (field === 'costRelative') assert.equal(cell.value === '' ? null : Number(cell.value), ratioTo(e, h100, 'costPerMillionUsd'), `${r.target} cost ratio`);
          else if (field === 'fits') assert.equal(cell.value, e.fits ? '1' : '0');
          else if (field === 'layout') assert.equal(cell.text, e.chips > 1 ? `tensor-parallel × ${e.chips}` : '1 chip');
          else if (field === 'servingLimit') assert.equal(cell.text, '—');
          else if (e[field] === null) assert.equal(cell.value, '', `${r.target} ${field}`);
          else assert.equal(Number(cell.value), e[field], `${r.target} ${field}`);
        }
      }
      assert.equal(rows.find((r) => r.target === 'l4').cells.layout.text, 'tensor-parallel × 2');
      assert.equal(rows.find((r) => r.target === 'h100-sxm').cells.speedupPerChip.text, '1×');
      assert.match(await v.page.textContent('[data-testid="compare-table"] tr[data-field="speedupPerChip"] th'), /Speed-up vs h100-sxm/);
      const llmRows = await matrixOf(v, 'compare-llm-table');
      assert.deepEqual(llmRows.map((r) => r.target), TARGETS);
      const h100Llm = estimates.llm.estimates.find((x) => x.target === 'h100-sxm');
      for (const r of llmRows) {
        const e = estimates.llm.estimates.find((x) => x.target === r.target);
        for (const [field, cell] of Object.entries(r.cells)) {
          if (field === 'speedupPerChip') assert.equal(cell.value === '' ? null : Number(cell.value), ratioTo(e, h100Llm, 'tokensPerSecondPerChip'), `LLM ${r.target} speed-up`);
          else if (field === 'costRelative') assert.equal(cell.value === '' ? null : Number(cell.value), ratioTo(e, h100Llm, 'costPerMillionTokensUsd'), `LLM ${r.target} cost ratio`);
          else if (field === 'layout') assert.equal(cell.text, e.chips > 1 ? `tensor-parallel × ${e.chips}` : '1 chip');
          else assert.equal(cell.value === '' ? null : Number(cell.value), e[field], `LLM ${r.target} ${field}`);
        }
      }
      for (const chart of ['compare-chart-latencySeconds', 'compare-chart-costPerMillionUsd', 'compare-chart-memoryNeededBytes', 'compare-llm-chart-tokensPerSecond']) {
        assert.ok((await v.page.$$(`[data-testid="${chart}"] .bar`)).length >= 3, chart);
      }
      assert.match(await v.page.textContent('[data-testid="compare-model"]'), /Compare Hardware: synthetic-200\.onnx/);
      assert.doesNotMatch(await v.page.textContent('.llm-summary'), /own lengths/);
      // Figures are rows, targets columns: eight targets fit a 1,000 px editor without scrolling sideways.
      const overflow = await v.page.$eval('[data-testid="compare-table"]', (t) => t.scrollWidth - t.parentElement.clientWidth);
      assert.ok(overflow <= 0, `the table overflows by ${overflow} px`);
      await v.page.screenshot({ path: path.join(ctx.screenshotsDir, 'compare-dark.png'), fullPage: true });
      // The user bound the decoder's lengths for the profile: the LLM summary says the serving figures do not use them.
      const phaseNote = 'LLM serving runs each phase at its own lengths (prefill sequence=512, past=0; decode sequence=1, past=576); past=2048 hold for the profile and the hardware estimates';
      await v.send(show({ report: { ...report, diagnostics: [{ severity: 'info', code: 'llm-phase-dims', message: phaseNote }, ...report.diagnostics] } }));
      await v.page.waitForFunction(() => /own lengths/.test(document.querySelector('.llm-summary').textContent));
      assert.ok((await v.page.textContent('.llm-summary')).endsWith(` ${phaseNote}.`));
      await assertClean(v);
      await v.close();
    },
  },
  {
    name: 'compare: a KV cache with unbound dims reads "unbound", not 0 B, and its value is empty (no best)',
    async fn(ctx) {
      const unbound = { ...estimates, targets: estimates.targets.map((e) => ({ ...e, kvCacheUnbound: e.target === 'h100-sxm' })) };
      const v = await openCompare(ctx, show({ estimates: unbound }));
      const rows = await matrixOf(v, 'compare-table');
      const kv = Object.fromEntries(rows.map((r) => [r.target, r.cells.kvCacheBytes]));
      assert.deepEqual(kv['h100-sxm'], { value: '', text: 'unbound' });
      assert.equal(kv.l4.text, '0 B');
      assert.equal(kv.l4.value, '0');
      await assertClean(v);
      await v.close();
    },
  },
  {
    name: 'compare: the targets sort by any figure; the order survives a reload',
    async fn(ctx) {
      const v = await openCompare(ctx, show());
      const order = async () => (await matrixOf(v, 'compare-table')).map((r) => r.target);
      const header = (field) => `[data-testid="compare-table"] tr[data-field="${field}"] th`;
      await v.page.click(`${header('throughputPerSecond')} button`);
      assert.equal(await v.page.getAttribute(header('throughputPerSecond'), 'aria-sort'), 'descending');
      assert.deepEqual(await order(), [...estimates.targets].sort((a, b) => b.throughputPerSecond - a.throughputPerSecond).map((e) => e.target));
      await v.page.click(`${header('costPerMillionUsd')} button`);
      const byCost = await order();
      assert.equal(byCost.at(-1), 'groq-lpu', 'no price sorts last');
      assert.deepEqual(byCost.slice(0, -1), estimates.targets.filter((e) => e.costPerMillionUsd !== null).sort((a, b) => a.costPerMillionUsd - b.costPerMillionUsd).map((e) => e.target));
      const state = await v.state();
      await v.close();
      const w = await openCompare(ctx, show(), { state });
      assert.equal(await w.page.getAttribute('[data-testid="compare-table"] tr[data-field="costPerMillionUsd"] th', 'aria-sort'), 'ascending');
      assert.deepEqual((await matrixOf(w, 'compare-table')).map((r) => r.target), byCost);
      await assertClean(w);
      await w.close();
    },
  },
  {
    name: 'compare: the shared controls post hardware/compare (targets, batch, precision, what-if, tokens)',
    async fn(ctx) {
      const v = await openCompare(ctx, show());
      await v.clearPosted();
      await v.page.click('[data-testid="whatif-precision.fp8"]');
      let m = await lastCompare(v);
      assert.deepEqual(m.whatIf, ['precision.fp8']);
      assert.deepEqual(m.targets, TARGETS);
      assert.deepEqual([m.promptTokens, m.outputTokens], [512, 128], 'a decoder posts its token counts');
      assert.ok(ctx.lib.parseFromWebview(m).ok);
      await v.clearPosted();
      assert.match(await v.page.textContent('[data-testid="compare-picker-summary"]'), /^Targets: h100-sxm, l4, tpu-v5e, groq-lpu, a100-80gb, inferentia2, gaudi3 \(change…\)$/);
      assert.equal(await v.page.isVisible('[data-testid="target-my-npu"]'), false, 'the catalog picker opens on demand');
      await v.page.click('[data-testid="compare-picker-summary"]');
      await v.page.click('[data-testid="target-my-npu"]');
      m = await lastCompare(v);
      assert.ok(m.targets.includes('my-npu'));
      assert.deepEqual(m.whatIf, ['precision.fp8'], 'the what-if choice goes with every post');
      await assertClean(v);
      await v.close();
    },
  },
  {
    name: 'compare: screenshots in light and high-contrast themes; no model yet shows the hint to open one',
    async fn(ctx) {
      for (const theme of ['light', 'hc']) {
        const v = await openCompare(ctx, show(), { theme });
        await v.page.screenshot({ path: path.join(ctx.screenshotsDir, `compare-${theme}.png`), fullPage: true });
        await assertClean(v);
        await v.close();
      }
      const v = await ctx.open('compare');
      await v.send({ type: 'report/progress', message: 'Open an ONNX model (right-click it → Profile Model) to compare hardware.' });
      assert.match(await v.page.textContent('[data-testid="status"]'), /Open an ONNX model/);
      await assertClean(v);
      await v.close();
    },
  },
];
