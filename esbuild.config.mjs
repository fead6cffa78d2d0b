// Bundles the entry points: the extension host, the profiling worker (src/worker), the three webviews and the CLI.
import * as esbuild from 'esbuild';
import { existsSync } from 'node:fs';

const production = process.argv.includes('--production');
const watch = process.argv.includes('--watch');

const common = { bundle: true, sourcemap: !production, minify: production, logLevel: 'warning' };

/**
 * protobufjs looks for long.js to hand out 64-bit integers; the loader reads those itself (ProtoCursor), so
 * the CLI and the worker bundle none: protobufjs then falls back to its own LongBits, unused.
 */
const withoutLongJs = {
  name: 'without-long.js',
  setup(build) {
    build.onResolve({ filter: /^long$/ }, () => ({ path: 'long', namespace: 'without-long' }));
    build.onLoad({ filter: /.*/, namespace: 'without-long' }, () => ({ contents: 'module.exports = null;', loader: 'js' }));
  },
};
/**
 * The CLI and the worker start a process (a thread) per run: their bundles are minified even in development
 * builds, since reading and compiling them is a measurable part of profiling a small model (the source maps
 * still name the sources: node --enable-source-maps).
 */
const lean = { minify: true, plugins: [withoutLongJs] };

const builds = [
  { ...common, ...lean, entryPoints: ['src/cli/index.ts'], outfile: 'dist/cli.js', platform: 'node', target: 'node20', format: 'cjs' },
];
if (existsSync('src/extension/extension.ts')) {
  builds.push({ ...common, entryPoints: ['src/extension/extension.ts'], outfile: 'dist/extension.js', platform: 'node', target: 'node20', format: 'cjs', external: ['vscode'] });
}
if (existsSync('src/worker/profileWorker.ts')) {
  builds.push({ ...common, ...lean, entryPoints: ['src/worker/profileWorker.ts'], outfile: 'dist/profileWorker.js', platform: 'node', target: 'node20', format: 'cjs' });
}
for (const view of ['editor', 'sidebar', 'compare']) {
  if (existsSync(`webview/${view}/main.ts`)) {
    builds.push({ ...common, entryPoints: [`webview/${view}/main.ts`], outfile: `dist/webview/${view}.js`, platform: 'browser', target: 'es2022', format: 'iife' });
  }
}

if (watch) {
  for (const b of builds) await (await esbuild.context(b)).watch();
} else {
  await Promise.all(builds.map((b) => esbuild.build(b)));
}
