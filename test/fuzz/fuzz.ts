/**
 * Fuzz harness: mutates real models from ../shared/models and checks that every case ends with a
 * report or a typed error within 2 s and a bounded heap, with no uncaught exception.
 *
 * usage: npm run fuzz -- --cases N --seed S [--max-seed-bytes B]
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CORPUS_DIR, listCorpus } from '../corpus/corpusSweep';
import { IsolatedProfiler } from '../harness/isolatedProfiler';
import { deeplyNestedModel, hugeDimsModel, MUTATIONS, seededRandom, walkFields, type WireField } from './mutations';

export const CASE_TIME_LIMIT_SECONDS = 2;
const HEAP_LIMIT_MB = 256;

export interface FuzzSummary {
  readonly cases: number;
  readonly reports: number;
  readonly typedErrors: number;
  readonly crashes: { seed: string; message: string }[];
  readonly timeouts: { seed: string; seconds: number }[];
  readonly slowest: { seed: string; seconds: number };
  readonly errorCodes: Record<string, number>;
  readonly seconds: number;
}

/** A corpus model to mutate; its bytes and field list are read on first use. */
class SeedModel {
  private cached: { bytes: Uint8Array; fields: WireField[] } | undefined;

  constructor(readonly file: string) {}

  get bytes(): Uint8Array {
    return this.load().bytes;
  }

  get fields(): WireField[] {
    return this.load().fields;
  }

  private load() {
    if (!this.cached) {
      const bytes = new Uint8Array(fs.readFileSync(this.file));
      this.cached = { bytes, fields: walkFields(bytes) };
    }
    return this.cached;
  }
}

function loadSeeds(maxBytes: number): SeedModel[] {
  return listCorpus()
    .filter((f) => fs.statSync(f).size <= maxBytes)
    .map((file) => new SeedModel(file));
}

type CaseKind = keyof typeof MUTATIONS | 'deepNesting' | 'hugeDims';
const KINDS: readonly CaseKind[] = ['bitFlip', 'truncate', 'corruptVarint', 'corruptLength', 'duplicateField', 'spliceFrom', 'deepNesting', 'hugeDims'];

export function makeCase(seeds: readonly SeedModel[], seed: number, index: number): { label: string; path: string; bytes: Uint8Array } {
  const r = seededRandom(seed * 1_000_003 + index);
  const kind = KINDS[Math.floor(r() * KINDS.length)];
  if (kind === 'deepNesting') {
    const depth = 10 + Math.floor(r() * 200);
    return { label: `deepNesting(${depth})`, path: path.join(CORPUS_DIR, 'fuzz-nested.onnx'), bytes: deeplyNestedModel(depth) };
  }
  if (kind === 'hugeDims') return { label: 'hugeDims', path: path.join(CORPUS_DIR, 'fuzz-huge.onnx'), bytes: hugeDimsModel(r) };
  const base = seeds[Math.floor(r() * seeds.length)];
  const donor = seeds[Math.floor(r() * seeds.length)];
  let bytes = base.bytes;
  const rounds = 1 + Math.floor(r() * 3);
  for (let i = 0; i < rounds; i++) {
    const fields = i === 0 ? base.fields : walkFields(bytes);
    bytes = kind === 'spliceFrom' ? MUTATIONS.spliceFrom(bytes, r, fields, donor.bytes, donor.fields) : MUTATIONS[kind](bytes, r, fields);
  }
  // The mutated bytes stand in for the file at the seed's own path, so external data resolves there.
  return { label: `${kind}×${rounds} of ${path.relative(CORPUS_DIR, base.file)}`, path: base.file, bytes };
}

export async function runFuzz(cases: number, seed: number, maxSeedBytes = 256 * 1024): Promise<FuzzSummary> {
  const started = Date.now();
  const seeds = loadSeeds(maxSeedBytes);
  if (seeds.length === 0) throw new Error(`no seed models under ${CORPUS_DIR}`);
  const profiler = new IsolatedProfiler(CASE_TIME_LIMIT_SECONDS * 1000 * 2.5, HEAP_LIMIT_MB);
  const summary = { reports: 0, typedErrors: 0, crashes: [] as FuzzSummary['crashes'], timeouts: [] as FuzzSummary['timeouts'], slowest: { seed: '', seconds: 0 }, errorCodes: {} as Record<string, number> };
  try {
    for (let i = 0; i < cases; i++) {
      const c = makeCase(seeds, seed, i);
      const id = `--seed ${seed} case ${i} (${c.label})`;
      const outcome = await profiler.profile({ path: c.path, bytes: c.bytes });
      if (outcome.seconds > summary.slowest.seconds) summary.slowest = { seed: id, seconds: outcome.seconds };
      if (outcome.seconds > CASE_TIME_LIMIT_SECONDS || outcome.kind === 'timeout') summary.timeouts.push({ seed: id, seconds: outcome.seconds });
      switch (outcome.kind) {
        case 'report':
          summary.reports++;
          break;
        case 'error':
          summary.typedErrors++;
          summary.errorCodes[outcome.code] = (summary.errorCodes[outcome.code] ?? 0) + 1;
          break;
        case 'timeout':
          break;
        default:
          summary.crashes.push({ seed: id, message: outcome.message });
      }
    }
  } finally {
    await profiler.close();
  }
  return { cases, ...summary, seconds: (Date.now() - started) / 1000 };
}

export function formatFuzz(s: FuzzSummary): string {
  return [
    `fuzz: ${s.cases} cases: ${s.reports} reports, ${s.typedErrors} typed errors, ${s.crashes.length} crashes, ${s.timeouts.length} timeouts (limit ${CASE_TIME_LIMIT_SECONDS} s, heap ${HEAP_LIMIT_MB} MB); slowest case ${s.slowest.seconds.toFixed(3)} s (${s.slowest.seed}); ${s.seconds.toFixed(1)} s in all`,
    `fuzz: typed errors by code: ${Object.entries(s.errorCodes).map(([k, v]) => `${k} ${v}`).join(', ') || 'none'}`,
    ...s.crashes.slice(0, 20).map((c) => `fuzz: CRASH ${c.seed}: ${c.message.split('\n').slice(0, 3).join(' | ')}`),
    ...s.timeouts.slice(0, 20).map((c) => `fuzz: TIMEOUT ${c.seed}: ${c.seconds.toFixed(2)} s`),
  ].join('\n');
}

if (require.main === module) {
  const args = process.argv.slice(2);
  const arg = (name: string, fallback: number) => {
    const i = args.indexOf(name);
    const v = i >= 0 ? Number(args[i + 1]) : fallback;
    if (!Number.isSafeInteger(v) || v < 0) throw new Error(`${name} expects a non-negative integer`);
    return v;
  };
  void runFuzz(arg('--cases', 2000), arg('--seed', 1), arg('--max-seed-bytes', 256 * 1024)).then((s) => {
    console.log(formatFuzz(s));
    process.exitCode = s.crashes.length || s.timeouts.length ? 1 : 0;
  });
}
