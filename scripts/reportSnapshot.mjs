// Checks that a change leaves every report byte-identical: profiles each model of the corpus
// (../shared/models), the repo's fixtures and samples, and libonnx-testdata's node tests when installed,
// twice (dims unbound, then every unbound dim bound to 7), and writes one line per profile: the model, the
// bindings and the SHA-256 of the report's JSON (as `--format json` prints it, with the module tree whole).
//
//   npm run compile-tests && node scripts/reportSnapshot.mjs --out before.tsv     # on the old code
//   npm run compile-tests && node scripts/reportSnapshot.mjs --compare before.tsv # on the new: lists differences
//
// Options: --models DIR (repeatable; replaces the default folders), --limit N (first N models),
// --root DIR (profile with the compiled tree of another checkout, e.g. a worktree of main).
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, join, relative, resolve } from 'node:path';

const require = createRequire(import.meta.url);
const args = process.argv.slice(2);
const valuesOf = (flag) => args.flatMap((a, i) => (a === flag ? [args[i + 1]] : []));
const root = resolve(import.meta.dirname, '..');
const { profileModelFile } = require(join(resolve(valuesOf('--root')[0] ?? root), 'out/src/node/profileFile.js'));
const out = valuesOf('--out')[0];
const compare = valuesOf('--compare')[0];
const limit = Number(valuesOf('--limit')[0] ?? Infinity);
const folders = valuesOf('--models');
if (folders.length === 0) {
  folders.push(join(root, '../shared/models'), join(root, 'test/fixtures'), join(root, 'samples'));
  if (existsSync('/usr/share/libonnx-testdata/data/node')) folders.push('/usr/share/libonnx-testdata/data/node');
}

function* onnxFiles(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* onnxFiles(path);
    else if (entry.name.endsWith('.onnx') && statSync(path).isFile()) yield path;
  }
}

function digest(path, bindings) {
  try {
    const report = profileModelFile(path, { bindings });
    return { hash: createHash('sha256').update(JSON.stringify(report, null, 2)).digest('hex').slice(0, 16), report };
  } catch (e) {
    return { hash: `error: ${e.constructor.name}: ${String(e.message).slice(0, 200)}` };
  }
}

const lines = [];
const started = Date.now();
let count = 0;
for (const folder of folders.filter(existsSync)) {
  for (const path of onnxFiles(folder)) {
    if (count++ >= limit) break;
    const name = join(basename(folder), relative(folder, path)); // the same from any checkout
    const unbound = digest(path, new Map());
    lines.push(`${name}\t-\t${unbound.hash}`);
    const symbols = unbound.report?.unboundSymbols ?? [];
    if (symbols.length) {
      const bindings = new Map(symbols.map((s) => [s, 7]));
      lines.push(`${name}\tall=7\t${digest(path, bindings).hash}`);
    }
  }
}
console.error(`${lines.length} profiles of ${count} models in ${((Date.now() - started) / 1000).toFixed(1)} s`);

if (out) writeFileSync(out, `${lines.join('\n')}\n`);
if (compare) {
  const before = new Map(readFileSync(compare, 'utf8').trim().split('\n').map((l) => {
    const [m, b, h] = l.split('\t');
    return [`${m}\t${b}`, h];
  }));
  let differ = 0;
  for (const l of lines) {
    const [m, b, h] = l.split('\t');
    const was = before.get(`${m}\t${b}`);
    if (was !== h) {
      differ++;
      if (differ <= 50) console.log(`differs: ${m} (${b}): ${was ?? 'absent'} → ${h}`);
    }
  }
  console.log(`${lines.length - differ} identical, ${differ} different`);
  process.exitCode = differ ? 1 : 0;
}
