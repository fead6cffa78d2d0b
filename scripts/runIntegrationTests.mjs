// Runs test/integration/*.test.ts (mocha) inside a real VS Code extension host through
// @vscode/test-electron's runTests. No desktop VS Code can be downloaded here, so vscodeExecutablePath
// points at scripts/ci/vscodeStandIn.cjs, which runs the suite in code-server's extension host
// (install it with scripts/ci/installCodeServer.sh). Set VSCODE_EXECUTABLE=download to let test-electron
// download a real VS Code instead (needs internet), or to the path of a VS Code executable.
// Prints `N passed, N failed` as its last line (CI reads it); exit code 0 only when all passed.
import { runTests } from '@vscode/test-electron';
import * as esbuild from 'esbuild';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const OUT_DIR = path.join(ROOT, 'out/test/integration');
export const MODEL = path.resolve(ROOT, '../shared/models/gh/onnxruntime__onnxruntime-qnn/onnxruntime/test/testdata/bert_toy_optimized.onnx');

function summary(passed, failed) {
  console.log(`${passed} passed, ${failed} failed`);
}

async function main() {
  const t0 = Date.now();
  if (!existsSync(path.join(ROOT, 'dist/extension.js')) || !existsSync(path.join(ROOT, 'dist/cli.js'))) {
    console.error('dist/ is not built: run npm run build first');
    return summary(0, 1), 1;
  }
  if (!existsSync(MODEL)) {
    console.error(`test model missing: ${MODEL}`);
    return summary(0, 1), 1;
  }
  const srcDir = path.join(ROOT, 'test/integration');
  const entries = readdirSync(srcDir).filter((f) => f.endsWith('.ts')).map((f) => path.join(srcDir, f));
  rmSync(OUT_DIR, { recursive: true, force: true });
  await esbuild.build({
    entryPoints: entries, outdir: OUT_DIR, bundle: true, platform: 'node', target: 'node20', format: 'cjs',
    sourcemap: 'inline', external: ['vscode', 'mocha'], logLevel: 'warning',
  });

  // The workspace: a copy of the real model (so the Explorer shows it) and a corrupt .onnx file.
  const workspace = mkdtempSync(path.join(tmpdir(), 'onnxprof-ws-'));
  copyFileSync(MODEL, path.join(workspace, path.basename(MODEL)));
  writeFileSync(path.join(workspace, 'corrupt.onnx'), Buffer.from('this is not a protobuf \u0000\u0001\u0002 at all', 'utf8'));
  mkdirSync(path.join(workspace, '.vscode'));
  writeFileSync(path.join(workspace, '.vscode/settings.json'), JSON.stringify({ 'onnxProfiler.targets': ['h100-sxm', 'l4'] }, null, 2));

  const resultsFile = path.join(workspace, '..', `${path.basename(workspace)}-results.json`);
  const exe = process.env.VSCODE_EXECUTABLE;
  let code = 0;
  try {
    await runTests({
      ...(exe === 'download' ? {} : { vscodeExecutablePath: exe || path.join(ROOT, 'scripts/ci/vscodeStandIn.cjs') }),
      extensionDevelopmentPath: ROOT,
      extensionTestsPath: path.join(OUT_DIR, 'index.js'),
      launchArgs: [workspace],
      extensionTestsEnv: { TEST_RESULTS_FILE: resultsFile, ONNX_PROFILER_TEST_MODEL: MODEL },
    });
  } catch (e) {
    console.error(`runTests: ${e.message}`);
    code = 1;
  }
  let passed = 0;
  let failed = 0;
  if (existsSync(resultsFile)) {
    ({ passed, failed } = JSON.parse(readFileSync(resultsFile, 'utf8')));
    rmSync(resultsFile);
  } else {
    console.error('no results from the extension host (the suite did not run to the end)');
    failed = 1;
  }
  rmSync(workspace, { recursive: true, force: true });
  console.log(`integration tests took ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  summary(passed, failed);
  return code !== 0 || failed > 0 ? 1 : 0;
}

process.exitCode = await main();
