/// <reference types="mocha" />
/**
 * Integration suite: runs in a real extension host (code-server's, through the test-electron stand-in)
 * against a real model from /work/shared/models and a corrupt file in the test workspace.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { EXTENSION_ID, MODEL, ROOT, SESSION_OPTIONS, api, asJson, cli, cliReport, closeAll, customTabFor, hostUri, waitFor, workspaceFile } from './helpers';
import type { LlmEstimate } from '../../src/core/estimate/llm';
import { groupDiagnostics } from '../../src/core/report/diagnostics';

const EDITOR = 'onnxProfiler.profileEditor';
const modelName = path.basename(MODEL);

suite('ONNX Hardware Profiler (extension host)', () => {
  suiteSetup(async () => {
    console.log(`VS Code ${vscode.version} (${vscode.env.appName}, uiKind ${vscode.env.uiKind}, remote ${vscode.env.remoteName ?? 'none'})`);
  });

  test('the extension activates and contributes its commands', async () => {
    const ext = vscode.extensions.getExtension(EXTENSION_ID);
    assert.ok(ext, 'extension present');
    const a = await api();
    assert.ok(ext.isActive, 'active after activate()');
    assert.ok(a.sessions, 'API exported');
    const commands = await vscode.commands.getCommands(true);
    for (const c of ['onnxProfiler.profileModel', 'onnxProfiler.showGraphText', 'onnxProfiler.export']) assert.ok(commands.includes(c), `${c} registered`);
  });

  test('Profile Model profiles a real model (same figures as the CLI) and opens the editor tab', async () => {
    await closeAll();
    const a = await api();
    const uri = hostUri(MODEL);
    await vscode.commands.executeCommand('onnxProfiler.profileModel', uri);
    const tab = await waitFor('the profile editor tab', () => customTabFor(uri, EDITOR));
    assert.equal(tab.label, modelName);
    const session = await a.whenProfiled(uri);
    assert.equal(session.state.kind, 'ready', session.state.kind === 'error' ? session.state.message : 'not ready');
    const report = session.report!;
    // One pipeline: the session's analysis is the CLI's for the same options, estimates and hints included.
    const expected = cliReport(MODEL, {}, SESSION_OPTIONS);
    assert.deepEqual(report.totals, expected.totals, 'totals match the CLI');
    assert.equal(report.nodes.length, expected.nodes.length);
    assert.deepEqual(report.nodes.map((n) => [n.name, n.flops, n.params]), expected.nodes.map((n) => [n.name, n.flops, n.params]));
    assert.deepEqual([...report.unboundSymbols].sort(), [...expected.unboundSymbols].sort());
    assert.deepEqual(asJson(report.estimates), expected.estimates, 'estimates match the CLI');
    assert.deepEqual(asJson(report.hints), expected.hints, 'hints match the CLI');
    // The status bar shows the active model's params.
    await waitFor('status bar text', () => (a.statusBarText().includes('params') ? true : undefined), 10_000);
  });

  test('the custom editor is the default for .onnx files (plain vscode.open)', async () => {
    await closeAll();
    const uri = workspaceFile(modelName);
    await vscode.commands.executeCommand('vscode.open', uri);
    const tab = await waitFor('a custom editor tab for the workspace copy', () => customTabFor(uri));
    assert.ok(tab.input instanceof vscode.TabInputCustom);
    assert.equal((tab.input as vscode.TabInputCustom).viewType, EDITOR);
  });

  test('binding dims reprofiles in the worker, matching the CLI with --bind', async () => {
    const a = await api();
    const uri = hostUri(MODEL);
    await vscode.commands.executeCommand('onnxProfiler.profileModel', uri);
    const session = await a.whenProfiled(uri);
    const dims = session.report!.unboundSymbols;
    assert.ok(dims.length > 0, 'the test model has symbolic dims');
    const bindings = Object.fromEntries(dims.map((d, i) => [d, i === 0 ? 2 : 64]));
    session.bindDims(bindings);
    // Start a profile and supersede it at once: the first is cancelled (worker terminated), the second wins.
    const first = session.profile();
    const second = session.profile();
    await Promise.all([first, second]);
    assert.equal(session.state.kind, 'ready');
    const expected = cliReport(MODEL, bindings, SESSION_OPTIONS);
    assert.deepEqual(session.report!.bindings, expected.bindings);
    assert.deepEqual(session.report!.totals, expected.totals);
    assert.deepEqual(session.report!.unboundSymbols, []);
    // Estimates for the workspace's targets (h100-sxm, l4).
    const s = session.state;
    assert.ok(s.kind === 'ready' && s.estimates, 'estimates computed');
    if (s.kind === 'ready' && s.estimates) {
      assert.deepEqual(s.estimates.targets.map((t) => t.target), ['h100-sxm', 'l4']);
      assert.ok(s.estimates.targets.every((t) => Number.isFinite(t.latencySeconds) && t.latencySeconds > 0));
      assert.ok(s.estimates.bestTarget === 'h100-sxm' || s.estimates.bestTarget === 'l4');
    }
    session.bindDims({});
    await session.profile();
  });

  test('the graph text document opens in ONNX textual syntax with a CodeLens per node', async () => {
    const a = await api();
    const uri = hostUri(MODEL);
    await vscode.commands.executeCommand('onnxProfiler.profileModel', uri);
    const session = await a.whenProfiled(uri);
    await vscode.commands.executeCommand('onnxProfiler.showGraphText', uri);
    const graphUri = a.graphUriFor(uri);
    const editor = await waitFor('the graph text editor', () => vscode.window.visibleTextEditors.find((e) => e.document.uri.toString() === graphUri.toString()));
    const text = editor.document.getText();
    assert.match(text, /^<\n {3}ir_version: \d+,\n {3}opset_import: \[/);
    assert.match(text, /\) => \(/, 'graph signature');
    const report = session.report!;
    const someOp = report.nodes.find((n) => n.graphPath === '')!.opType;
    assert.ok(text.includes(` = ${someOp}`) || text.includes(`.${someOp}`), `an ${someOp} node is printed`);
    const lenses = await waitFor('CodeLenses', async () => {
      const l = await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', graphUri, 1000);
      return l && l.length > 0 ? l : undefined;
    });
    const mainNodes = report.nodes.filter((n) => n.graphPath === '').length;
    assert.ok(lenses.length >= mainNodes, `one lens per node (${lenses.length} lenses, ${mainNodes} main-graph nodes)`);
    const costed = report.nodes.find((n) => n.status === 'costed' && n.graphPath === '');
    const titles = lenses.map((l) => l.command?.title ?? '');
    assert.ok(titles.every((t) => /FLOP|no cost rule|cost unknown/.test(t)), `lens titles: ${titles.slice(0, 3).join(' | ')}`);
    if (costed) assert.ok(titles.some((t) => /FLOP/.test(t)));
    assert.ok(titles.some((t) => / on (h100-sxm|l4)$/.test(t)), 'time on the best target shown');
    // Each lens sits on a line printing its node's op.
    for (const l of lenses.slice(0, 50)) {
      const idx = l.command!.arguments![1] as number;
      assert.ok(editor.document.lineAt(l.range.start.line).text.includes(report.nodes[idx].opType));
    }
    // Cursor on a node line → that line maps back to the node (selection sync).
    const s = session.state;
    assert.ok(s.kind === 'ready' && s.graphText);
  });

  test('diagnostics appear for the model file and as squiggles in the graph text', async () => {
    const a = await api();
    const uri = hostUri(MODEL);
    const session = await a.whenProfiled(uri);
    const report = session.report!;
    const fileDiags = await waitFor('diagnostics on the model', () => {
      const d = vscode.languages.getDiagnostics(uri);
      return d.length > 0 ? d : undefined;
    });
    // Report diagnostics (repeats of a code folded past the first three) are Problems on the model file, plus one per hint.
    const s = session.state;
    const hints = s.kind === 'ready' ? s.hints ?? [] : [];
    const hintKeys = new Set(hints.map((h) => `${h.code}|${h.message}`));
    assert.equal(fileDiags.length, groupDiagnostics(report.diagnostics).length + hintKeys.size);
    const codes = fileDiags.map((d) => String(d.code));
    for (const r of report.diagnostics) assert.ok(codes.includes(r.code), `report diagnostic ${r.code} shown`);
    for (const h of hints) assert.ok(codes.includes(h.code), `hint ${h.code} shown`);
    console.log(`    ${report.diagnostics.length} report diagnostics, ${hintKeys.size} hints`);
    const notCosted = report.nodes.filter((n) => n.status !== 'costed').length;
    if (notCosted > 0) {
      const graphDiags = vscode.languages.getDiagnostics(a.graphUriFor(uri));
      assert.ok(graphDiags.length >= 1, 'squiggles in the graph text');
      assert.ok(graphDiags.every((d) => d.source === 'ONNX Profiler'));
    }
  });

  test('a corrupt file shows the one-line error (not a stack trace) and the extension stays responsive', async () => {
    const a = await api();
    const bad = workspaceFile('corrupt.onnx');
    await vscode.commands.executeCommand('onnxProfiler.profileModel', bad);
    await waitFor('the profile editor tab for corrupt.onnx', () => customTabFor(bad, EDITOR));
    const session = await a.whenProfiled(bad);
    assert.equal(session.state.kind, 'error');
    const message = session.state.kind === 'error' ? session.state.message : '';
    assert.ok(message.length > 0);
    assert.ok(!message.includes('\n'), 'one line');
    assert.doesNotMatch(message, /\bat .+:\d+:\d+/, 'no stack frames');
    const c = cli([bad.fsPath]);
    assert.equal(c.status, 2, 'the CLI also refuses it');
    assert.ok(c.stderr.includes(message), `CLI says the same: ${c.stderr.trim()}`);
    const diags = await waitFor('an error diagnostic on corrupt.onnx', () => {
      const d = vscode.languages.getDiagnostics(bad);
      return d.length > 0 ? d : undefined;
    });
    assert.equal(diags[0].severity, vscode.DiagnosticSeverity.Error);
    assert.equal(diags[0].message, message);
    // Still responsive: another model profiles fine right after.
    const t0 = Date.now();
    const good = hostUri(MODEL);
    const s2 = a.sessions.find(good) ?? (await (async () => {
      await vscode.commands.executeCommand('onnxProfiler.profileModel', good);
      return a.whenProfiled(good);
    })());
    await s2.profile();
    assert.equal(s2.state.kind, 'ready');
    assert.ok(Date.now() - t0 < 20_000);
  });

  test('a decoder with a KV cache gets LLM serving estimates, the same as the CLI (llm.estimates)', async () => {
    const a = await api();
    const model = path.join(ROOT, 'test/fixtures/mlperf/gptj_6b.onnx');
    const uri = hostUri(model);
    await vscode.commands.executeCommand('onnxProfiler.profileModel', uri);
    const session = await a.whenProfiled(uri);
    const llmOf = () => {
      const s = session.state;
      assert.equal(s.kind, 'ready', s.kind === 'error' ? s.message : s.kind);
      const llm = s.kind === 'ready' ? s.estimates?.llm : undefined;
      assert.ok(llm, 'LLM estimates in the session state');
      return llm;
    };
    const cliLlm = (extra: string[]) => {
      const r = cli([model, '--target', 'h100-sxm', '--target', 'l4', '--format', 'json', ...extra]);
      assert.equal(r.status, 0, r.stderr);
      return (JSON.parse(r.stdout) as { llm: { promptTokens: number; outputTokens: number; estimates: LlmEstimate[] } }).llm;
    };
    const close = (got: number | null, want: number | null, what: string) => {
      if (want === null || !Number.isFinite(want)) return assert.equal(got, null, what);
      assert.ok(got !== null && Math.abs(got - want) <= 1e-9 * Math.abs(want), `${what}: ${got} vs the CLI's ${want}`);
    };
    const check = (promptTokens: number, outputTokens: number, extra: string[]) => {
      const llm = llmOf();
      const expected = cliLlm(extra);
      assert.deepEqual([llm.promptTokens, llm.outputTokens], [promptTokens, outputTokens]);
      assert.deepEqual([expected.promptTokens, expected.outputTokens], [promptTokens, outputTokens]);
      assert.deepEqual(llm.estimates.map((e) => e.target), ['h100-sxm', 'l4']);
      for (const target of ['h100-sxm', 'l4']) {
        const got = llm.estimates.find((e) => e.target === target)!;
        const want = expected.estimates.find((e) => e.target === target)!;
        assert.deepEqual([got.batch, got.chips, got.chipsNeeded, got.fits], [want.batch, want.chips, want.chipsNeeded, want.fits], `${target}: batch and chips`);
        for (const k of ['timeToFirstTokenSeconds', 'timePerOutputTokenSeconds', 'tokensPerSecond', 'tokensPerSecondPerChip', 'requestSeconds', 'costPerMillionTokensUsd', 'joulesPerOutputToken', 'prefillSeconds', 'decodeStepSeconds'] as const) {
          close(got[k], want[k], `${target} ${k}`);
        }
        assert.deepEqual(got.notes, want.notes);
      }
      const best = [...expected.estimates].sort((x, y) => y.tokensPerSecond - x.tokensPerSecond)[0].target;
      assert.equal(llm.bestTarget, best);
      console.log(`    LLM ${promptTokens}/${outputTokens}: ${llm.estimates.map((e) => `${e.target} ${e.tokensPerSecond?.toFixed(1)} tok/s`).join(', ')}`);
    };
    check(512, 128, []);
    // The side panel's prompt/generated tokens: re-estimated in the worker, still the CLI's figures.
    assert.ok(session.setCompare({ targets: session.targets, batch: session.batch, precision: session.precision, promptTokens: 1024, outputTokens: 64 }));
    await session.reestimate();
    check(1024, 64, ['--prompt', '1024', '--generate', '64']);
    // The panel's KV-cache dtype: the worker's figures are the CLI's --kv-cache, and a decode step reads less.
    const wideStep = llmOf().estimates.map((e) => e.timePerOutputTokenSeconds!);
    assert.ok(session.setCompare({ targets: session.targets, batch: session.batch, precision: session.precision, kvCache: 'fp8', promptTokens: 1024, outputTokens: 64 }));
    await session.reestimate();
    assert.equal(session.kvCache, 'fp8');
    check(1024, 64, ['--prompt', '1024', '--generate', '64', '--kv-cache', 'fp8']);
    llmOf().estimates.forEach((e, i) => assert.ok(e.timePerOutputTokenSeconds! < wideStep[i], `${e.target}: an fp8 cache is read faster`));
    // The panel's "Max per target" on an 8-chip deployment: the same serving plans as the CLI's --batch max --chips 8.
    const fixedBatch = session.batch;
    assert.ok(session.setCompare({ targets: session.targets, batch: 'max', chips: 8, precision: session.precision, promptTokens: 512, outputTokens: 128 }));
    await session.reestimate();
    const served = llmOf();
    const cliServed = cliLlm(['--batch', 'max', '--chips', '8']);
    for (const target of ['h100-sxm', 'l4']) {
      const got = served.estimates.find((e) => e.target === target)!;
      const want = cliServed.estimates.find((e) => e.target === target)!;
      assert.ok(got.serving && want.serving, `${target}: a serving plan`);
      assert.deepEqual({ ...got.serving, throughputPerChipPerSecond: 0 }, { ...want.serving, throughputPerChipPerSecond: 0 }, `${target}: the plan`);
      close(got.serving.throughputPerChipPerSecond, want.serving.throughputPerChipPerSecond, `${target} throughput per chip`);
      close(got.tokensPerSecondPerChip, want.tokensPerSecondPerChip, `${target} tokens/s per chip`);
    }
    console.log(`    batch max on 8 chips: ${served.estimates.map((e) => `${e.target} ${e.serving?.instances} × ${e.serving?.chipsPerInstance} chips, batch ${e.serving?.batch}`).join('; ')}`);
    session.setCompare({ targets: session.targets, batch: fixedBatch, chips: 0, precision: session.precision, promptTokens: 512, outputTokens: 128 });
    await session.reestimate();
    // A model that is no decoder has no LLM figures.
    const plain = a.sessions.find(hostUri(MODEL));
    if (plain?.state.kind === 'ready') assert.equal(plain.state.estimates?.llm, undefined);
  });

  test('exports JSON (as the CLI) and a Netron attachment', async () => {
    const a = await api();
    const uri = hostUri(MODEL);
    await vscode.commands.executeCommand('onnxProfiler.profileModel', uri);
    const session = await a.whenProfiled(uri);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'onnxprof-export-'));
    try {
      const jsonUri = hostUri((path.join(dir, 'r.json')));
      await vscode.commands.executeCommand('onnxProfiler.export', 'json', jsonUri);
      const exported = JSON.parse(fs.readFileSync(jsonUri.fsPath, 'utf8'));
      assert.deepEqual(exported.totals, session.report!.totals);
      const netUri = hostUri((path.join(dir, 'm.attachment.json')));
      await vscode.commands.executeCommand('onnxProfiler.export', 'netron', netUri);
      const att = JSON.parse(fs.readFileSync(netUri.fsPath, 'utf8'));
      assert.equal(att.signature, 'netron:attachment');
      assert.ok(Array.isArray(att.metrics) && att.metrics.some((m: { kind: string }) => m.kind === 'node'));
      const csvUri = hostUri((path.join(dir, 'r.csv')));
      await vscode.commands.executeCommand('onnxProfiler.export', 'csv', csvUri);
      assert.equal(fs.readFileSync(csvUri.fsPath, 'utf8').trim().split('\n').length, session.report!.nodes.length + 1);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
