// Mixture-of-experts in the views (driven by scripts/runWebviewTests.mjs): the editor's MoE card and the expert
// marks in the layer table and module tree; the MoE serving figures and the routing-skew field of the hardware views.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { assertClean, lastCompare, openPanel } from './checks.mjs';
import { settings, syntheticEstimates, syntheticHints, syntheticLlm, syntheticReport, withMoe, withMoeEstimates } from './fixtures.mjs';

const TARGETS = ['h100-sxm', 'gaudi3', 'tpu-v5e'];

/** The graph-only DeepSeek-V3-like decoder profiled by the CLI (no targets): the report the editor gets. */
function deepseekReport(ctx) {
  const model = path.join(ctx.root, 'test/fixtures/moe/deepseek_v3.onnx');
  if (!existsSync(model) || !existsSync(path.join(ctx.root, 'dist/cli.js'))) return null;
  return JSON.parse(execFileSync(process.execPath, [path.join(ctx.root, 'bin/onnx-profile.js'), model, '--bind', 'batch_size=1', '--format', 'json'], { maxBuffer: 1 << 28, timeout: 60_000 }).toString());
}

export const tests = [
  {
    name: 'editor: the MoE card says experts, top-k, shared and active of total params; experts are marked in the table and the module tree',
    async fn(ctx) {
      const report = deepseekReport(ctx);
      assert.ok(report?.moe, 'the DeepSeek-V3 fixture profiles with a moe section');
      const v = await ctx.open('editor', { viewport: { width: 1300, height: 1000 } });
      await v.send({ type: 'report/show', report, settings: settings({ targets: [] }) });
      await v.page.waitForSelector('[data-testid="summary-moe"]');
      assert.equal(await v.page.textContent('[data-testid="summary-moe"]'), '256 experts, top-8 + 1 shared');
      assert.equal(await v.page.textContent('[data-testid="summary-moe-active"]'), '37.6 B of 671 B params active per token');
      assert.equal(await v.page.getAttribute('[data-testid="summary-moe"]', 'data-value'), '256 experts, top-8 + 1 shared: 37.6 B of 671 B params active per token');
      assert.match(await v.page.textContent('.card-moe'), /58 MoE layers \(fused\); routed experts hold 97% of the params/);
      // The table: filter to one MoE layer's nodes; the fused node is "experts", the router MatMul "router".
      await v.page.fill('[data-testid="filter-input"] input', 'layers.3/moe');
      await v.page.waitForFunction(() => {
        const rows = [...document.querySelectorAll('[data-testid="node-row"]')];
        return rows.length > 0 && rows.length < 40 && rows.some((r) => r.textContent.includes('::MoE'));
      });
      const marks = await v.page.$$eval('[data-testid="node-row"]', (rows) =>
        rows.map((r) => ({ node: Number(r.dataset.nodeIndex), op: r.querySelector('[data-col="op"]').textContent, badge: r.querySelector('[data-testid="moe-badge"]')?.textContent ?? null })),
      );
      assert.ok(marks.some((m) => m.op.includes('com.microsoft::MoE') && m.badge === 'experts'), JSON.stringify(marks));
      assert.ok(marks.some((m) => m.op.endsWith('MatMul') && m.badge === 'router'));
      // Exactly the layer's nodes (router, routed experts, shared expert) are marked; its norm and residual add are not.
      const layer = new Set(report.moe.layers[0].nodes);
      for (const m of marks) assert.equal(m.badge !== null, layer.has(m.node), `${m.op} #${m.node}`);
      assert.ok(marks.filter((m) => m.badge === 'MoE').length >= 4, 'the shared expert and the routing ops');
      // The module tree: the layer's module carries the experts.
      await v.page.click('[data-testid="group-by"]');
      await v.page.click('[data-testid="group-by"] vscode-option[value="module"]');
      await v.page.waitForSelector('[data-testid="group-row"] [data-testid="moe-badge"]');
      const groupBadges = await v.page.$$eval('[data-testid="group-row"] [data-testid="moe-badge"]', (els) => els.map((e) => e.textContent));
      assert.ok(groupBadges.includes('MoE 256×top-8'), JSON.stringify(groupBadges));
      await v.page.evaluate(() => window.scrollTo(0, 0));
      await v.page.screenshot({ path: path.join(ctx.screenshotsDir, 'editor-moe.png'), fullPage: true });
      await assertClean(v);
      await v.close();
    },
  },
  {
    name: 'hardware views: layout and experts touched per target for an MoE model; the routing-skew field posts moeSkew (MoE models only)',
    async fn(ctx) {
      const report = withMoe(syntheticReport(200));
      const llm = syntheticLlm(TARGETS);
      const estimates = withMoeEstimates(syntheticEstimates(report, TARGETS, { llm: { ...llm, estimates: llm.estimates.map((e) => ({ ...e, decodeExpertsTouchedPerLayer: 8, ...(e.target === 'gaudi3' ? { layout: 'expert-parallel', chips: 12 } : {}) })) } }));
      const show = { type: 'report/show', report, settings: settings({ targets: TARGETS, moeSkew: 0 }), estimates, hints: syntheticHints(report) };
      assert.ok(ctx.lib.parseToWebview(show).ok, 'the MoE payload passes the protocol validator');
      // Side panel: one line per target with its layout and the experts a call touches; the skew field.
      const panel = await openPanel(ctx, show, '[data-testid="moe-serving"]');
      const lines = await panel.page.$$eval('[data-testid="moe-serving"] li', (els) => els.map((e) => e.textContent));
      assert.deepEqual(lines, ['h100-sxm: 1 chip, 222.4 of 256 experts per layer', 'gaudi3: expert-parallel × 12, 222.4 of 256 experts per layer', 'tpu-v5e: 1 chip, 222.4 of 256 experts per layer']);
      assert.match(await panel.page.textContent('.llm-summary'), /MoE: a decode step touches 8 of 256 experts per layer/);
      assert.ok(await panel.page.isVisible('[data-testid="moe-skew-input"]'));
      await panel.page.screenshot({ path: path.join(ctx.screenshotsDir, 'sidebar-moe.png'), fullPage: true });
      await panel.clearPosted();
      await panel.page.fill('[data-testid="moe-skew-input"] input', '1.5');
      const m = await lastCompare(panel);
      assert.equal(m.moeSkew, 1.5);
      assert.ok(ctx.lib.parseFromWebview(m).ok);
      await panel.clearPosted();
      await panel.page.fill('[data-testid="moe-skew-input"] input', '9');
      await panel.page.waitForTimeout(400);
      assert.deepEqual(await panel.posted(), [], 'a skew past 4 is refused');
      assert.equal(await panel.page.getAttribute('[data-testid="moe-skew-input"]', 'aria-invalid'), 'true');
      await assertClean(panel);
      await panel.close();
      // Wide comparison: MoE rows (experts per call, expert bytes, all-to-all), the layout named, the model's MoE headline.
      const wide = await ctx.open('compare', { viewport: { width: 1000, height: 1600 } });
      await wide.send(show);
      await wide.page.waitForSelector('[data-testid="compare-row"]');
      const figure = (field, target) => wide.page.textContent(`[data-testid="compare-table"] tr[data-field="${field}"] td[data-target="${target}"]`);
      assert.equal(await figure('layout', 'gaudi3'), 'expert-parallel × 12');
      assert.equal(await figure('moe.expertsTouchedPerLayer', 'h100-sxm'), '222 of 256');
      assert.match(await figure('moe.allToAllSeconds', 'gaudi3'), /1\.30 ms/);
      assert.equal(await figure('moe.allToAllSeconds', 'h100-sxm'), '—', 'no all-to-all on one chip');
      assert.match(await wide.page.textContent('[data-testid="compare-facts"]'), /MoE: 256 experts, top-8 \+ 1 shared: 37\.6 B of 671 B params active per token, uniform routing/);
      assert.equal(await wide.page.textContent('[data-testid="compare-llm-table"] tr[data-field="chips"] td[data-target="gaudi3"]'), 'EP 12');
      await wide.page.screenshot({ path: path.join(ctx.screenshotsDir, 'compare-moe.png'), fullPage: true });
      await assertClean(wide);
      await wide.close();
      // A model without experts: no skew field, no MoE rows.
      const plain = syntheticReport(200);
      const other = await openPanel(ctx, { type: 'report/show', report: plain, settings: settings({ targets: TARGETS }), estimates: syntheticEstimates(plain, TARGETS) }, '[data-testid="hardware-table"]');
      assert.equal(await other.page.isVisible('[data-testid="moe-skew-input"]'), false);
      assert.equal(await other.page.$$eval('[data-testid="moe-serving"]', (e) => e.length), 0);
      await other.clearPosted();
      await other.page.fill('[data-testid="batch-input"] input', '4');
      assert.equal((await lastCompare(other)).moeSkew, undefined, 'no skew posted for a model without experts');
      await other.close();
    },
  },
];
