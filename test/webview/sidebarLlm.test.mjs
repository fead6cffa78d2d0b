// Hardware side panel: the "LLM serving" section of a decoder with a KV cache (EstimatesPayload.llm).
import assert from 'node:assert/strict';
import path from 'node:path';
import { assertClean, lastCompare, openPanel, PANEL_VIEWPORT } from './checks.mjs';
import { TARGETS, settings, syntheticEstimates, syntheticHints, syntheticLlm, syntheticReport } from './fixtures.mjs';

const report = syntheticReport(120);
const llm = syntheticLlm();
const showLlm = (extra = {}, llmPayload = llm) => ({
  type: 'report/show',
  report,
  settings: settings({ promptTokens: llmPayload.promptTokens, outputTokens: llmPayload.outputTokens }),
  estimates: syntheticEstimates(report, TARGETS, { llm: llmPayload }),
  hints: syntheticHints(report),
  ...extra,
});

const cells = (v) =>
  v.page.$$eval('[data-testid="llm-row"]', (els) =>
    els.map((e) => ({ target: e.dataset.target, cells: Object.fromEntries([...e.querySelectorAll('td')].map((c) => [c.dataset.field, { value: c.dataset.value, text: c.textContent, best: c.classList.contains('best') }])) })),
  );

export const tests = [
  {
    name: 'sidebar LLM: a decoder shows the LLM serving table and tokens/s chart, best values marked',
    async fn(ctx) {
      const v = await ctx.open('sidebar', { viewport: PANEL_VIEWPORT });
      assert.equal(await v.page.isVisible('[data-testid="llm-section"]'), false, 'hidden before any report');
      await v.send(showLlm());
      await v.page.waitForSelector('[data-testid="llm-table"]');
      assert.ok(await v.page.isVisible('[data-testid="llm-section"]'));
      assert.match(await v.page.textContent('[data-testid="llm-section"] h3'), /LLM serving/);
      assert.match(await v.page.textContent('.llm-summary'), /28 layers.*batch 1.*512 prompt tokens.*128 decode steps/);
      assert.doesNotMatch(await v.page.textContent('.llm-summary'), /own lengths/);
      // The user bound the decode step's lengths for the profile: the summary says the serving figures do not use them.
      const phaseNote = 'LLM serving runs each phase at its own lengths (prefill sequence=512, past=0; decode sequence=1, past=576); sequence=1, past=2048 hold for the profile and the hardware estimates';
      await v.send(showLlm({ report: { ...report, diagnostics: [{ severity: 'info', code: 'llm-phase-dims', message: phaseNote }, ...report.diagnostics] } }));
      await v.page.waitForFunction(() => /own lengths/.test(document.querySelector('.llm-summary').textContent));
      assert.ok((await v.page.textContent('.llm-summary')).endsWith(` ${phaseNote}.`));
      const rows = await cells(v);
      assert.deepEqual(rows.map((r) => r.target), TARGETS);
      for (const r of rows) {
        const e = llm.estimates.find((x) => x.target === r.target);
        assert.equal(Number(r.cells.timeToFirstTokenSeconds.value), e.timeToFirstTokenSeconds);
        assert.equal(Number(r.cells.timePerOutputTokenSeconds.value), e.timePerOutputTokenSeconds);
        assert.equal(Number(r.cells.tokensPerSecond.value), e.tokensPerSecond);
        // Chips and their layout: "TP 62" tensor-parallel, "EP 37" expert-parallel (MoE), "1" on one chip.
        assert.equal(r.cells.chips.text, e.chips > 1 ? `TP ${e.chips}` : '1');
        assert.equal(Number(r.cells.chips.value), e.chips);
        if (e.costPerMillionTokensUsd === null) assert.equal(r.cells.costPerMillionTokensUsd.text, 'n/a');
        else assert.equal(Number(r.cells.costPerMillionTokensUsd.value), e.costPerMillionTokensUsd);
        if (e.joulesPerOutputToken === null) assert.equal(r.cells.joulesPerOutputToken.text, 'n/a');
        else assert.match(r.cells.joulesPerOutputToken.text, /^[\d.]+ [mµ]?J( \(best\))?$/);
      }
      // best: most tokens/s, least TTFT / TPOT / $ / J — one cell each, announced to screen readers
      const pick = (key, better) => {
        const vals = llm.estimates.filter((e) => e[key] !== null);
        return vals.reduce((a, b) => ((better === 'high' ? b[key] > a[key] : b[key] < a[key]) ? b : a)).target;
      };
      for (const [key, better] of [['tokensPerSecond', 'high'], ['timeToFirstTokenSeconds', 'low'], ['timePerOutputTokenSeconds', 'low'], ['costPerMillionTokensUsd', 'low'], ['joulesPerOutputToken', 'low']]) {
        const marked = rows.filter((r) => r.cells[key].best).map((r) => r.target);
        assert.deepEqual(marked, [pick(key, better)], `best ${key}`);
        assert.match(rows.find((r) => r.target === marked[0]).cells[key].text, /\(best\)/);
      }
      assert.equal(rows.filter((r) => r.cells.chips.best).length, 0, 'chips are not ranked');
      assert.equal(llm.bestTarget, pick('tokensPerSecond', 'high'));
      // the chart: one bar per target, the best highlighted
      assert.equal((await v.page.$$('[data-testid="llm-chart-tokens"] .bar')).length, llm.estimates.length);
      assert.equal((await v.page.$$('[data-testid="llm-chart-tokens"] .series-best')).length, 1);
      assert.equal((await v.page.getByRole('table', { name: 'LLM serving per hardware target' }).count()), 1);
      assert.equal(await v.page.inputValue('[data-testid="llm-prompt-input"] input'), '512');
      assert.equal(await v.page.inputValue('[data-testid="llm-generate-input"] input'), '128');
      // the regular estimates table is still there
      assert.ok(await v.page.$('[data-testid="hardware-table"]'));
      // the panel fits its width: nothing scrolls sideways in the LLM section
      const overflow = await v.page.$eval('[data-testid="llm-section"] .table-wrap', (e) => e.scrollWidth - e.clientWidth);
      assert.ok(overflow <= 0, `the LLM table overflows the 420 px panel by ${overflow} px`);
      await v.page.screenshot({ path: path.join(ctx.screenshotsDir, 'sidebar-llm-dark.png'), fullPage: true });
      await v.page.locator('[data-testid="llm-section"]').screenshot({ path: path.join(ctx.screenshotsDir, 'sidebar-llm-section-dark.png') });
      await assertClean(v);
      await v.close();
    },
  },
  {
    name: 'sidebar LLM: prompt and generated tokens post a valid hardware/compare; bad values are refused',
    async fn(ctx) {
      const v = await openPanel(ctx, showLlm(), '[data-testid="llm-table"]');
      await v.clearPosted();
      await v.page.fill('[data-testid="llm-prompt-input"] input', '2048');
      let m = await lastCompare(v);
      assert.equal(m.promptTokens, 2048);
      assert.equal(m.outputTokens, 128);
      let parsed = ctx.lib.parseFromWebview(m);
      assert.ok(parsed.ok && parsed.message.promptTokens === 2048 && parsed.message.outputTokens === 128, 'token counts survive the validator');
      await v.clearPosted();
      await v.page.fill('[data-testid="llm-generate-input"] input', '256');
      m = await lastCompare(v);
      assert.deepEqual([m.promptTokens, m.outputTokens], [2048, 256]);
      assert.ok(ctx.lib.parseFromWebview(m).ok);
      // bad values: marked invalid, nothing posted
      for (const [field, bad] of [['llm-prompt-input', '0'], ['llm-prompt-input', 'abc'], ['llm-prompt-input', '1.5'], ['llm-prompt-input', '-4'], ['llm-generate-input', '99999999'], ['llm-generate-input', '']]) {
        await v.clearPosted();
        await v.page.fill(`[data-testid="${field}"] input`, bad);
        await v.page.waitForTimeout(350);
        assert.deepEqual(await v.posted(), [], `${field}=${JSON.stringify(bad)} is not posted`);
        assert.equal(await v.page.getAttribute(`[data-testid="${field}"]`, 'aria-invalid'), 'true', `${field}=${JSON.stringify(bad)} is marked invalid`);
        assert.match((await v.page.getAttribute(`[data-testid="${field}"]`, 'title')) ?? '', /integer from 1 to 1048576/);
      }
      // another change (a target) still posts the last valid counts
      await v.clearPosted();
      await v.page.click('[data-testid="target-l4"]');
      m = await lastCompare(v);
      assert.deepEqual([m.promptTokens, m.outputTokens], [2048, 256]);
      // a valid value clears the invalid mark
      await v.clearPosted();
      await v.page.fill('[data-testid="llm-generate-input"] input', '64');
      m = await lastCompare(v);
      assert.equal(m.outputTokens, 64);
      assert.equal(await v.page.getAttribute('[data-testid="llm-generate-input"]', 'aria-invalid'), null);
      const state = await v.state();
      assert.deepEqual([state.promptTokens, state.outputTokens], [2048, 64], 'persisted for hide/show');
      // the host's validator refuses bad token counts from any view
      const base = { type: 'hardware/compare', targets: ['h100-sxm'], batch: 1 };
      for (const bad of [0, -1, 1.5, '512', 2 ** 21, null, Number.NaN]) {
        assert.equal(ctx.lib.parseFromWebview({ ...base, promptTokens: bad }).ok, false, `promptTokens ${bad}`);
        assert.equal(ctx.lib.parseFromWebview({ ...base, outputTokens: bad }).ok, false, `outputTokens ${bad}`);
      }
      parsed = ctx.lib.parseFromWebview(base);
      assert.ok(parsed.ok && !('promptTokens' in parsed.message) && !('outputTokens' in parsed.message), 'the fields stay optional');
      // a host message whose llm payload is malformed is dropped (the last good section stays)
      const badRow = { ...llm.estimates[0], tokensPerSecond: 'fast' };
      assert.equal(ctx.lib.parseToWebview(showLlm({}, { ...llm, estimates: [badRow] })).ok, false);
      assert.equal(ctx.lib.parseToWebview(showLlm({}, { ...llm, promptTokens: 0 })).ok, false);
      assert.equal(ctx.lib.parseToWebview({ ...showLlm(), settings: settings({ outputTokens: -3 }) }).ok, false);
      assert.ok(ctx.lib.parseToWebview(showLlm()).ok);
      await v.send(showLlm({}, { ...llm, estimates: [badRow] }));
      await v.page.waitForTimeout(50);
      assert.equal((await v.page.$$('[data-testid="llm-row"]')).length, TARGETS.length);
      v.warnings.length = 0;
      await assertClean(v);
      await v.close();
    },
  },
  {
    name: 'sidebar LLM: the KV-cache picker posts a valid dtype with the request, and the summary says what the host estimated',
    async fn(ctx) {
      const v = await openPanel(ctx, showLlm(), '[data-testid="llm-table"]');
      assert.equal(await v.page.isVisible('[data-testid="kv-cache-select"]'), true, 'offered for a decoder');
      assert.doesNotMatch(await v.page.textContent('.llm-summary'), /KV cache is stored/);
      await v.clearPosted();
      await v.page.click('[data-testid="kv-cache-select"]');
      await v.page.click('[data-testid="kv-cache-select"] vscode-option[value="fp8"]');
      const m = await lastCompare(v);
      assert.deepEqual([m.kvCache, m.promptTokens, m.outputTokens], ['fp8', 512, 128]);
      const parsed = ctx.lib.parseFromWebview(m);
      assert.ok(parsed.ok && parsed.message.kvCache === 'fp8', 'the dtype survives the validator');
      assert.equal((await v.state()).kvCache, 'fp8', 'persisted for hide/show');
      // the host answers with its settings: the summary names the cache's dtype
      await v.send(showLlm({ settings: settings({ promptTokens: 512, outputTokens: 128, kvCache: 'fp8' }) }));
      await v.page.waitForFunction(() => /The KV cache is stored in FP8\./.test(document.querySelector('.llm-summary').textContent));
      // a host message naming an unknown dtype is dropped
      assert.equal(ctx.lib.parseToWebview(showLlm({ settings: settings({ kvCache: 'fp4' }) })).ok, false);
      await assertClean(v);
      await v.close();
    },
  },
  {
    name: 'sidebar LLM: the host settings set the token fields; no targets shows the note',
    async fn(ctx) {
      const v = await ctx.open('sidebar', { viewport: { width: 420, height: 1200 } });
      const other = syntheticLlm(TARGETS, { promptTokens: 1024, outputTokens: 32, batch: 8 });
      await v.send(showLlm({}, other));
      await v.page.waitForSelector('[data-testid="llm-table"]');
      assert.equal(await v.page.inputValue('[data-testid="llm-prompt-input"] input'), '1024');
      assert.equal(await v.page.inputValue('[data-testid="llm-generate-input"] input'), '32');
      assert.match(await v.page.textContent('.llm-summary'), /batch 8/);
      await v.send(showLlm({}, { ...other, estimates: [], bestTarget: null, note: 'no targets chosen' }));
      await v.page.waitForSelector('[data-testid="llm-table-empty"]');
      assert.match(await v.page.textContent('[data-testid="llm-table-empty"]'), /no targets chosen/);
      assert.equal((await v.page.$$('[data-testid="llm-chart-tokens"]')).length, 0);
      await assertClean(v);
      await v.close();
    },
  },
  {
    name: 'sidebar LLM: a model that is no decoder shows no LLM section and posts no token counts',
    async fn(ctx) {
      const v = await openPanel(ctx, showLlm(), '[data-testid="llm-table"]');
      // the next model is a plain encoder: the section goes away
      await v.send({ type: 'report/show', report, settings: settings({ promptTokens: 512, outputTokens: 128 }), estimates: syntheticEstimates(report), hints: [] });
      await v.page.waitForFunction(() => document.querySelector('[data-testid="llm-section"]')?.hidden === true);
      assert.equal(await v.page.isVisible('[data-testid="llm-section"]'), false);
      assert.equal((await v.page.$$('[data-testid="llm-row"]')).length, 0);
      assert.equal(await v.page.isVisible('text=LLM serving'), false);
      await v.clearPosted();
      await v.page.click('[data-testid="target-l4"]');
      const m = await lastCompare(v);
      assert.ok(!('promptTokens' in m) && !('outputTokens' in m), JSON.stringify(m));
      // and a fresh panel on a non-decoder never shows it
      const w = await openPanel(ctx, { type: 'report/show', report, settings: settings(), estimates: syntheticEstimates(report), hints: [] }, '[data-testid="estimate-row"]');
      assert.equal(await w.page.isVisible('[data-testid="llm-section"]'), false);
      await assertClean(v);
      await assertClean(w);
      await w.close();
      await v.close();
    },
  },
];
