#!/usr/bin/env node
// Entry point of the `onnx-profile` command; the bundle (dist/cli.js) is built by `npm run build` (esbuild).
//
// Start-up: compiling the bundle costs about as much as profiling a small model, so the compiled code is
// cached. Node >= 22.1 does it itself (module.enableCompileCache, in the OS temp folder). Node 20 has no
// such switch, so there the bundle is compiled through vm.Script with V8's code cache, kept in a folder of
// the OS temp folder that only this user may write: later runs skip parsing and compiling what they ran.
// V8 checks that a cache matches the source and the V8 version, and a stale or foreign cache is replaced.
'use strict';
// TurboFan's inlining budget, smaller for this short-lived process: with V8's default a 100,000-node profile
// spent as much CPU compiling (on the other cores, beside the profile) as a third of the whole run, while
// inlining beyond small functions saved the main thread nothing measurable (see README, Measured). Set before
// the bundle loads, so that no compilation has started; it only tunes which calls get inlined.
require('node:v8').setFlagsFromString('--max-inlined-bytecode-size-cumulative=100');
const Module = require('node:module');
const path = require('node:path');

const bundle = path.join(__dirname, '..', 'dist', 'cli.js');
if (typeof Module.enableCompileCache === 'function') {
  Module.enableCompileCache();
  require(bundle);
} else {
  requireWithCodeCache(bundle);
}

/** Runs a CommonJS file as require() would, compiled with a code cache when one can be kept. */
function requireWithCodeCache(file) {
  const fs = require('node:fs');
  const vm = require('node:vm');
  const source = fs.readFileSync(file, 'utf8');
  const cacheFile = codeCachePath(fs, file, source.length);
  let cachedData;
  try {
    if (cacheFile) cachedData = fs.readFileSync(cacheFile);
  } catch {
    // no cache yet
  }
  const script = new vm.Script(Module.wrap(source), { filename: file, cachedData });
  const compiled = script.runInThisContext();
  const module = new Module(file, null);
  module.filename = file;
  module.paths = Module._nodeModulePaths(path.dirname(file));
  compiled.call(module.exports, module.exports, Module.createRequire(file), module, file, path.dirname(file));
  if (cacheFile && (cachedData === undefined || script.cachedDataRejected)) {
    try {
      // After the run, so the cache holds the functions this command compiled on the way.
      const temporary = `${cacheFile}.${process.pid}`;
      fs.writeFileSync(temporary, script.createCachedData(), { mode: 0o600 });
      fs.renameSync(temporary, cacheFile);
    } catch {
      // a read-only or full temp folder: run uncached next time too
    }
  }
}

/** The cache file for this bundle and Node, in a per-user folder; undefined when no safe folder exists. */
function codeCachePath(fs, file, length) {
  try {
    const os = require('node:os');
    const uid = typeof process.getuid === 'function' ? process.getuid() : undefined;
    const dir = path.join(os.tmpdir(), `onnx-profile-code-cache${uid === undefined ? '' : `-${uid}`}`);
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    const stat = fs.statSync(dir);
    if (uid !== undefined && (stat.uid !== uid || (stat.mode & 0o022) !== 0)) return undefined; // someone else's folder
    const { mtimeMs } = fs.statSync(file);
    return path.join(dir, `cli-${length}-${Math.round(mtimeMs)}-${process.version}-${process.arch}.bin`);
  } catch {
    return undefined;
  }
}
