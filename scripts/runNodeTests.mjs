// Runs every compiled *.test.js under the given folders with node's test runner, and prints the plain
// "N passed, N failed" line that CI reads, from the runner's own summary.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

function findTests(dir, into = []) {
  for (const entry of readdirSync(dir)) {
    const p = join(dir, entry);
    if (statSync(p).isDirectory()) findTests(p, into);
    else if (p.endsWith('.test.js')) into.push(p);
  }
  return into;
}

const roots = process.argv.slice(2);
const files = roots.flatMap((r) => findTests(r)).sort();
if (files.length === 0) {
  console.error(`no test files under ${roots.join(', ')}`);
  process.exit(1);
}
const result = spawnSync(process.execPath, ['--test', '--test-reporter=spec', ...files], { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
process.stdout.write(result.stdout);
process.stderr.write(result.stderr);
const pass = /ℹ pass (\d+)/.exec(result.stdout)?.[1] ?? '0';
const fail = /ℹ fail (\d+)/.exec(result.stdout)?.[1] ?? '0';
console.log(`unit: ${pass} passed, ${fail} failed`);
// Not process.exit(): through a pipe (test.sh tees the output) stdout is written asynchronously, and exiting at
// once can drop the end of a long report, this closing line included.
process.exitCode = result.status ?? 1;
