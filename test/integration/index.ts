/// <reference types="mocha" />
/**
 * Mocha entry run inside the extension host (extensionTestsPath). Runs every *.test.js next to it and
 * prints one machine-readable line, `ONNX_PROFILER_TEST_RESULT {"passed":N,"failed":N}`, which the
 * code-server stand-in turns into the runner's `N passed, N failed` line.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import Mocha = require('mocha');

export function run(): Promise<void> {
  const mocha = new Mocha({ ui: 'tdd', color: false, timeout: 60_000, reporter: 'spec' });
  for (const f of fs.readdirSync(__dirname).filter((f) => f.endsWith('.test.js')).sort()) mocha.addFile(path.join(__dirname, f));
  return new Promise((resolve, reject) => {
    const runner = mocha.run((failures) => {
      const passed = runner.stats?.passes ?? 0;
      const failed = runner.stats?.failures ?? failures;
      console.log(`ONNX_PROFILER_TEST_RESULT ${JSON.stringify({ passed, failed })}`);
      if (failures > 0) reject(new Error(`${failures} test(s) failed`));
      else resolve();
    });
  });
}
