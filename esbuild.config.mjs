// Bundles the entry points: the extension host, the profiling worker (src/worker), the three webviews and the CLI.
import * as esbuild from 'esbuild';
import { existsSync } from 'node:fs';

const production = process.argv.includes('--production');
const watch = process.argv.includes('--watch');

const common = { bundle: true, sourcemap: !production, minify: production, logLevel: 'warning' };
const builds = [
  { ...common, entryPoints: ['src/cli/index.ts'], outfile: 'dist/cli.js', platform: 'node', target: 'node20', format: 'cjs' },
];
if (existsSync('src/extension/extension.ts')) {
  builds.push({ ...common, entryPoints: ['src/extension/extension.ts'], outfile: 'dist/extension.js', platform: 'node', target: 'node20', format: 'cjs', external: ['vscode'] });
}
if (existsSync('src/worker/profileWorker.ts')) {
  builds.push({ ...common, entryPoints: ['src/worker/profileWorker.ts'], outfile: 'dist/profileWorker.js', platform: 'node', target: 'node20', format: 'cjs' });
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
