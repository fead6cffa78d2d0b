#!/usr/bin/env node
// Entry point of the `onnx-profile` command; the bundle is built by `npm run build` (esbuild).
require('../dist/cli.js');
