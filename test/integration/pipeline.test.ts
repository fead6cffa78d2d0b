/// <reference types="mocha" />
/**
 * The extension on the core's one pipeline: what-if applied by the session equals the CLI's --apply (the UI
 * test checks that it survives a reload); graph-only models get one note; a FIFO or a folder is one line, as in the
 * CLI; a custom target that reuses a catalog id is refused the way the CLI refuses it; Compare Hardware
 * opens its panel in the editor area; Compare with Baseline gives what the CLI's --baseline gives.
 */
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { MODEL, ROOT, SESSION_OPTIONS, api, asJson, cli, cliReport, hostUri, waitFor } from './helpers';

suite('One pipeline: what-if, diagnostics, input errors, targets, wide comparison', () => {
  test('a what-if from the panel equals the CLI\'s --apply and shows in the status bar', async () => {
    const a = await api();
    const uri = hostUri(MODEL);
    await vscode.commands.executeCommand('onnxProfiler.profileModel', uri);
    const session = await a.whenProfiled(uri);
    // At a realistic size (the toy's own dims leave nothing worth a hint).
    const bindings = { batch: 4, max_seq_len_in_batch: 128 };
    session.bindDims(bindings);
    await session.profile();
    // The batch dim bound in the profile view is the Batch field's choice, not a binding that would pin it.
    assert.equal(session.batch, 4);
    assert.deepEqual(session.bindings, { max_seq_len_in_batch: 128 });
    assert.deepEqual(session.report!.bindings, bindings);
    assert.ok(!session.report!.diagnostics.some((d) => d.code === 'batch-bound'), 'no "batch not applied" note');
    const hint = session.state.kind === 'ready' ? session.state.hints?.find((h) => h.whatIf && h.savings.some((s) => s.verdict === 'gain')) : undefined;
    assert.ok(hint, 'the test model has a hint with a change');
    const before = session.report!.estimates!;
    assert.ok(session.setCompare({ targets: session.targets, batch: session.batch, whatIf: [hint.id] }));
    await session.reestimate();
    const expected = cliReport(MODEL, bindings, [...SESSION_OPTIONS, '--apply', hint.id]);
    assert.deepEqual(asJson(session.report!.estimates), expected.estimates, 'estimates after the what-if equal the CLI\'s');
    assert.deepEqual(asJson(session.report!.whatIf), expected.whatIf);
    assert.deepEqual(session.report!.totals, expected.totals, 'the shown report carries the change');
    for (const saving of hint.savings) {
      const was = before.find((e) => e.target === saving.target)!.latencySeconds;
      const now = session.report!.estimates!.find((e) => e.target === saving.target)!.latencySeconds;
      assert.ok(Math.abs(was - now - saving.seconds) <= 1e-12 * was, `${saving.target}: ${was} → ${now}, the hint says −${saving.seconds}`);
    }
    await waitFor('the status bar to show the what-if', () => (a.statusBarText().includes('what-if: 1') ? true : undefined), 10_000);
    session.setCompare({ targets: session.targets, batch: 1, whatIf: [] });
    session.bindDims({});
    await session.profile();
    assert.equal(session.report!.whatIf, undefined);
  });

  test('a graph-only model (weights file absent) is one note on the file, not one per tensor', async () => {
    const a = await api();
    const uri = hostUri(path.join(ROOT, 'samples/resnet50-graph-only.onnx'));
    await vscode.commands.executeCommand('onnxProfiler.profileModel', uri);
    const session = await a.whenProfiled(uri);
    assert.equal(session.state.kind, 'ready');
    const diags = await waitFor('Problems on the sample', () => {
      const d = vscode.languages.getDiagnostics(uri);
      return d.length > 0 ? d : undefined;
    });
    const weights = diags.filter((d) => d.code === 'weights-absent' || d.code === 'external-data');
    assert.equal(weights.length, 1);
    assert.equal(weights[0].message, "weights are not present: 108 tensors in 'weights.bin'; profiled from shapes and types");
    assert.equal(weights[0].severity, vscode.DiagnosticSeverity.Information);
    assert.ok(diags.length <= 10, `${diags.length} Problems on the file`);
    console.log(`    graph-only sample: ${diags.length} Problems (${session.report!.diagnostics.length} report diagnostics)`);
  });

  test('a FIFO and a folder are refused with the CLI\'s one line, and nothing hangs', async () => {
    const a = await api();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'onnxprof-io-'));
    try {
      const fifo = path.join(dir, 'pipe.onnx');
      execFileSync('mkfifo', [fifo]);
      for (const file of [fifo, dir]) {
        const { session, release } = a.sessions.acquire(hostUri(file));
        try {
          await a.whenProfiled(session.uri, 20_000);
          assert.equal(session.state.kind, 'error');
          const message = session.state.kind === 'error' ? session.state.message : '';
          const c = cli([file]);
          assert.equal(c.status, 2);
          assert.equal(c.stderr, `onnx-profile: ${file}: ${message}\n`, 'the CLI prints the same line');
          assert.match(message, /^cannot open '.*': it is a (FIFO \(named pipe\), not a regular file|folder, not a model file)$/);
        } finally {
          release.dispose();
        }
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('a custom target that reuses a catalog id is refused with the CLI\'s message; the catalog entry stays', async () => {
    const a = await api();
    const uri = hostUri(MODEL);
    await vscode.commands.executeCommand('onnxProfiler.profileModel', uri);
    const session = await a.whenProfiled(uri);
    const config = vscode.workspace.getConfiguration('onnxProfiler');
    const clash = { id: 'h100-sxm', name: 'My H100', peakFlopsPerSecond: { fp16: 1e15 }, memoryBytes: 80e9, memoryBandwidthBytesPerSecond: 3e12 };
    await config.update('customHardware', [clash], vscode.ConfigurationTarget.Workspace);
    try {
      const estimates = await waitFor('the refusal in the estimates', () => {
        const s = session.state;
        return s.kind === 'ready' && s.estimates?.problems.length ? s.estimates : undefined;
      });
      assert.deepEqual(estimates.problems, ["custom hardware id 'h100-sxm' is already the catalog's NVIDIA H100 SXM5 80GB; pick another id"]);
      assert.equal(estimates.targets.find((t) => t.target === 'h100-sxm')?.targetName, 'NVIDIA H100 SXM5 80GB');
      const file = path.join(os.tmpdir(), `onnxprof-clash-${process.pid}.json`);
      const source = { url: 'https://example.com/x', retrieved: '2026-01-01' };
      fs.writeFileSync(file, JSON.stringify({ devices: [{ ...clash, vendor: 'me', deviceClass: 'gpu', peakFlopsPerSecond: { fp16: { value: 1e15, source } }, memoryBytes: { value: 80e9, source }, memoryBandwidthBytesPerSecond: { value: 3e12, source }, powerWatts: { value: 700, source } }] }));
      const c = cli([MODEL, '--hardware-file', file, '--target', 'h100-sxm']);
      fs.rmSync(file);
      assert.equal(c.status, 2);
      assert.ok(c.stderr.endsWith(`${estimates.problems[0]}\n`), `the CLI refuses it with the same words: ${c.stderr}`);
    } finally {
      await config.update('customHardware', undefined, vscode.ConfigurationTarget.Workspace);
    }
  });

  test('a target group in the settings (accelerators) starts a model with its devices, as the CLI\'s --target does', async () => {
    const a = await api();
    const config = vscode.workspace.getConfiguration('onnxProfiler');
    const before = config.get<string[]>('targets');
    // A model no other test opened: a session's targets are chosen when it starts.
    const file = path.join(os.tmpdir(), `onnxprof-groups-${process.pid}.onnx`);
    fs.copyFileSync(MODEL, file);
    await config.update('targets', ['h100-sxm', 'accelerators'], vscode.ConfigurationTarget.Workspace);
    try {
      const uri = hostUri(file);
      await vscode.commands.executeCommand('onnxProfiler.profileModel', uri);
      const session = await a.whenProfiled(uri);
      const estimates = await waitFor('estimates on the group', () => {
        const s = session.state;
        return s.kind === 'ready' && s.estimates?.targets.length ? s.estimates : undefined;
      });
      const cliTargets = (cliReport(file, {}, ['--target', 'h100-sxm', '--target', 'accelerators', '--batch', '1']).estimates ?? []).map((e) => e.target);
      assert.deepEqual(estimates.targets.map((t) => t.target), cliTargets);
      assert.ok(cliTargets.includes('tpu-v5e') && cliTargets.includes('trainium2') && !cliTargets.includes('l4'), cliTargets.join(', '));
      assert.deepEqual(estimates.unknownTargets, [], 'no "unknown target: accelerators"');
    } finally {
      await config.update('targets', before, vscode.ConfigurationTarget.Workspace);
      fs.rmSync(file, { force: true });
    }
  });

  test('Compare Hardware opens the wide comparison in the editor area', async () => {
    const a = await api();
    const uri = hostUri(MODEL);
    await vscode.commands.executeCommand('onnxProfiler.profileModel', uri);
    await a.whenProfiled(uri);
    await vscode.commands.executeCommand('onnxProfiler.compareHardware');
    const panel = await waitFor('the comparison panel', () => a.comparePanel());
    assert.equal(panel.viewType, 'onnxProfiler.compareView');
    assert.equal(panel.title, 'Compare Hardware');
    assert.ok(panel.visible);
    await vscode.commands.executeCommand('onnxProfiler.compareHardware');
    assert.equal(a.comparePanel(), panel, 'a second call brings the same panel to the front');
  });

  test('Compare with Baseline gives the CLI\'s --baseline section; a baseline that is not a report is dropped', async () => {
    const a = await api();
    const uri = hostUri(MODEL);
    await vscode.commands.executeCommand('onnxProfiler.profileModel', uri);
    const session = await a.whenProfiled(uri);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'onnx-baseline-'));
    const saved = path.join(dir, 'baseline.json');
    const bound = ['--bind', 'batch=8', ...SESSION_OPTIONS];
    fs.writeFileSync(saved, cli([MODEL, ...bound, '--format', 'json']).stdout);
    await vscode.commands.executeCommand('onnxProfiler.compareWithBaseline', hostUri(saved));
    assert.equal(session.baseline, saved);
    const shown = session.report!.baseline;
    assert.ok(shown, 'the report carries the comparison');
    const expected = cliReport(MODEL, {}, [...SESSION_OPTIONS, '--baseline', saved]).baseline!;
    assert.deepEqual(asJson(shown), expected, "the same comparison as the CLI's");
    assert.ok(shown.settings.includes('bound dims: batch=8 in the baseline, batch=1 here'), shown.settings.join('; '));
    const notReport = path.join(dir, 'other.json');
    fs.writeFileSync(notReport, '{"totals": {}}');
    await vscode.commands.executeCommand('onnxProfiler.compareWithBaseline', hostUri(notReport));
    assert.equal(session.baseline, undefined, 'a baseline that cannot be compared is dropped');
    assert.equal(session.report!.baseline, undefined);
    assert.equal(session.state.kind, 'ready', 'the model itself is still shown');
    await vscode.commands.executeCommand('onnxProfiler.compareWithBaseline', hostUri(saved));
    assert.ok(session.report!.baseline);
    await vscode.commands.executeCommand('onnxProfiler.compareWithBaseline', null);
    assert.equal(session.baseline, undefined, 'null stops comparing');
    assert.equal(session.report!.baseline, undefined);
  });
});
