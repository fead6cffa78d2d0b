/**
 * test/fixtures/mlperf/relative-results.json: published MLPerf (and vendor) results for accelerators other
 * than the H100, kept as validation data. The file must stay self-consistent (per-accelerator figures and
 * ratios recompute from the published totals), name catalog devices, and never feed an efficiency: no
 * measured rate in the catalog may cite an MLPerf result.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { HARDWARE_CATALOG, findHardware } from './catalog';

const FILE = [
  join(__dirname, '..', '..', '..', '..', 'test', 'fixtures', 'mlperf', 'relative-results.json'),
  join(process.cwd(), 'test', 'fixtures', 'mlperf', 'relative-results.json'),
].find(existsSync);

interface Point {
  readonly id: string;
  readonly catalog_id: string;
  readonly benchmark?: string;
  readonly metric: string;
  readonly n_accelerators: number;
  readonly system_result?: number;
  readonly result_per_accelerator: number;
  readonly source: string;
  readonly reference?: string;
  readonly relative_to_reference?: number;
}

function load(): { references: Point[]; results: Point[]; vendor_results: Point[] } {
  assert.ok(FILE, 'test/fixtures/mlperf/relative-results.json not found');
  return JSON.parse(readFileSync(FILE, 'utf8'));
}

const close = (a: number, b: number, rel = 1e-3) => Math.abs(a - b) <= rel * Math.max(Math.abs(a), Math.abs(b));

test('relative results: every point names a catalog device, a source and a consistent per-accelerator figure', () => {
  const data = load();
  const all = [...data.references, ...data.results, ...data.vendor_results];
  assert.ok(data.results.length >= 40, `${data.results.length} MLPerf points`);
  assert.equal(new Set(all.map((p) => p.id)).size, all.length, 'ids are unique');
  for (const p of all) {
    assert.ok(findHardware(p.catalog_id), `${p.id}: '${p.catalog_id}' is not in the catalog`);
    assert.ok(p.source.length > 0, `${p.id}: no source`);
    assert.ok(p.n_accelerators >= 1 && p.result_per_accelerator > 0, p.id);
    assert.ok(['samples_per_s', 'tokens_per_s'].includes(p.metric), `${p.id}: metric ${p.metric}`);
    if (p.system_result !== undefined) assert.ok(close(p.system_result / p.n_accelerators, p.result_per_accelerator), `${p.id}: per-accelerator figure`);
  }
  for (const r of data.references) assert.equal(r.catalog_id, 'h100-sxm', `${r.id}: references are H100 SXM points`);
});

test('relative results: ratios recompute from the named H100 reference on the same benchmark and metric', () => {
  const data = load();
  const refs = new Map(data.references.map((r) => [r.id, r]));
  let withReference = 0;
  for (const p of data.results) {
    if (p.reference === undefined) continue;
    withReference++;
    const ref = refs.get(p.reference);
    assert.ok(ref, `${p.id}: unknown reference ${p.reference}`);
    assert.equal(ref.benchmark, p.benchmark, `${p.id}: reference benchmark`);
    assert.equal(ref.metric, p.metric, `${p.id}: reference metric`);
    assert.ok(p.relative_to_reference !== undefined && close(p.relative_to_reference, p.result_per_accelerator / ref.result_per_accelerator), `${p.id}: ratio`);
  }
  assert.ok(withReference >= 40, `${withReference} points with an H100 reference`);
});

test('measured efficiencies never cite MLPerf results or the vendor figures (both are what the estimates are validated against)', () => {
  const vendorSources = load().vendor_results.map((v) => v.source);
  for (const device of HARDWARE_CATALOG) {
    const a = device.achieved;
    if (!a) continue;
    const sources = [...Object.values(a.matrixFlopsPerSecond ?? {}), ...Object.values(a.gemmSizeSweep ?? {}), a.memoryBandwidthBytesPerSecond, a.kernelLaunchSeconds, a.allReduceBusBytesPerSecond]
      .filter((v) => v !== undefined)
      .map((v) => `${v.source.url} ${v.source.note ?? ''}`);
    for (const s of sources) {
      assert.ok(!/mlperf|inference_results|mlcommons/i.test(s), `${device.id}: measured rate cites MLPerf: ${s}`);
      for (const v of vendorSources) assert.ok(!s.includes(v), `${device.id}: measured rate cites a vendor figure it is validated against: ${v}`);
    }
  }
});
