/**
 * Conv and matmul MACs of standard CNNs against torchvision's published GFLOPS column (which counts
 * conv, linear and matmul multiply-accumulates at 1×3×224×224; pytorch.org/vision model pages).
 * The fixtures are graph-only models from scripts/makeCnnFixtures.py: weight shapes without data.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { profileModelFile } from '../../../node/profileFile';

/** Compiled to out/src/core/ops/families/: the fixtures are at the repository root (or the working directory). */
const FIXTURES = [join(__dirname, '..', '..', '..', '..', '..', 'test', 'fixtures', 'cnn'), join(process.cwd(), 'test', 'fixtures', 'cnn')].find(existsSync);

const PUBLISHED_GMACS: Readonly<Record<string, number>> = {
  resnet18: 1.81,
  resnet50: 4.09,
  vgg16: 15.47,
  alexnet: 0.71,
  mobilenet_v2: 0.3,
  squeezenet1_1: 0.35,
  densenet121: 2.83,
  googlenet: 1.5,
};

for (const [model, gmacs] of Object.entries(PUBLISHED_GMACS)) {
  test(`${model}: total MACs within 1% of torchvision's ${gmacs} GFLOPS`, () => {
    assert.ok(FIXTURES, 'test/fixtures/cnn not found');
    const report = profileModelFile(join(FIXTURES, `${model}.onnx`));
    const macs = Number(report.totals.macs);
    assert.ok(Number.isFinite(macs), `MACs are not a number: ${report.totals.macs}`);
    const relative = Math.abs(macs / 1e9 - gmacs) / gmacs;
    assert.ok(relative < 0.01, `${model}: ${(macs / 1e9).toFixed(4)} GMACs vs ${gmacs} published (${(relative * 100).toFixed(2)}% off)`);
  });
}
