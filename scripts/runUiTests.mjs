// UI test runner: packages the extension (vsce), then drives code-server's workbench with playwright-core
// and /usr/bin/chromium (test/ui/profileFlow.cjs). Needs `npm run build` and scripts/ci/installCodeServer.sh.
// Prints the screenshot paths and, last, `N passed, N failed` (CI reads that line).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const { checkTools } = require('../scripts/ci/codeServer.cjs');
const MODEL = path.resolve(ROOT, '../shared/models/gh/onnxruntime__onnxruntime-qnn/onnxruntime/test/testdata/bert_toy_optimized.onnx');

async function main() {
  const t0 = Date.now();
  const missing = checkTools();
  if (!existsSync(path.join(ROOT, 'dist/extension.js'))) missing.push('dist/ (run npm run build)');
  if (!existsSync(MODEL)) missing.push(`test model ${MODEL}`);
  if (missing.length) {
    console.error(`cannot run the UI tests, missing:\n  ${missing.join('\n  ')}`);
    console.log('0 passed, 1 failed');
    return 1;
  }
  const outDir = path.join(ROOT, 'test-output/ui');
  mkdirSync(outDir, { recursive: true });
  const vsix = path.join(outDir, 'onnx-hardware-profiler-uitest.vsix');
  try {
    execFileSync(process.execPath, [path.join(ROOT, 'node_modules/@vscode/vsce/vsce'), 'package', '--no-dependencies', '--no-rewrite-relative-links', '--skip-license', '--allow-missing-repository', '--out', vsix], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
  } catch {
    console.error('vsce package failed (see above)');
    console.log('0 passed, 1 failed');
    return 1;
  }
  console.log(`packaged ${path.relative(ROOT, vsix)}`);
  const { run } = require('../test/ui/profileFlow.cjs');
  let result;
  try {
    result = await run({ vsix, model: MODEL });
  } catch (e) {
    console.error(`UI test setup failed: ${e.stack || e.message}`);
    console.log('0 passed, 1 failed');
    return 1;
  }
  console.log(`screenshots:\n${result.screenshots.map((s) => `  ${s}`).join('\n')}`);
  console.log(`UI tests took ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  console.log(`${result.passed} passed, ${result.failed} failed`);
  return result.failed > 0 || result.passed === 0 ? 1 : 0;
}

process.exitCode = await main();
