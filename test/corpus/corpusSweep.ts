/**
 * Corpus sweep: every model in ../shared/models either profiles or is refused with a typed error,
 * with no crash and none over 2 s. Prints how many profiled, their mean coverage and the uncovered op
 * types by frequency.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { IsolatedProfiler, type ProfileOutcome } from '../harness/isolatedProfiler';

export const CORPUS_DIR = path.resolve(__dirname, '../../../../shared/models');
export const MAX_SECONDS_PER_MODEL = 2;

export interface SweepResult {
  readonly files: number;
  readonly profiled: number;
  readonly refused: { file: string; message: string }[];
  readonly crashes: { file: string; message: string }[];
  readonly slow: { file: string; seconds: number }[];
  readonly meanCoveragePercent: number;
  readonly uncovered: [string, number][];
  readonly slowest: { file: string; seconds: number };
  readonly seconds: number;
}

export function listCorpus(dir = CORPUS_DIR): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.onnx')) out.push(p);
    }
  };
  if (fs.existsSync(dir)) walk(dir);
  return out.sort();
}

export async function sweepCorpus(files: readonly string[], onProgress?: (done: number) => void): Promise<SweepResult> {
  const started = Date.now();
  const profiler = new IsolatedProfiler(MAX_SECONDS_PER_MODEL * 5 * 1000, 1024);
  const refused: SweepResult['refused'] = [];
  const crashes: SweepResult['crashes'] = [];
  const slow: SweepResult['slow'] = [];
  const uncovered = new Map<string, number>();
  let profiled = 0;
  let coverageSum = 0;
  let slowest = { file: '', seconds: 0 };
  try {
    for (const [i, file] of files.entries()) {
      const outcome: ProfileOutcome = await profiler.profile({ path: file });
      const rel = path.relative(CORPUS_DIR, file);
      if (outcome.seconds > slowest.seconds) slowest = { file: rel, seconds: outcome.seconds };
      if (outcome.seconds > MAX_SECONDS_PER_MODEL) slow.push({ file: rel, seconds: outcome.seconds });
      switch (outcome.kind) {
        case 'report':
          profiled++;
          coverageSum += outcome.coveragePercent;
          for (const u of outcome.uncovered) uncovered.set(u.opType, (uncovered.get(u.opType) ?? 0) + u.count);
          break;
        case 'error':
          refused.push({ file: rel, message: outcome.message });
          break;
        case 'timeout':
          slow.push({ file: rel, seconds: outcome.seconds });
          crashes.push({ file: rel, message: `timed out after ${outcome.seconds} s` });
          break;
        default:
          crashes.push({ file: rel, message: outcome.message });
      }
      onProgress?.(i + 1);
    }
  } finally {
    await profiler.close();
  }
  return {
    files: files.length,
    profiled,
    refused,
    crashes,
    slow,
    meanCoveragePercent: profiled ? Math.round((coverageSum / profiled) * 10) / 10 : 0,
    uncovered: [...uncovered].sort((a, b) => b[1] - a[1]),
    slowest,
    seconds: (Date.now() - started) / 1000,
  };
}

export function formatSweep(r: SweepResult): string {
  const lines = [
    `corpus: ${r.files} models: ${r.profiled} profiled, ${r.refused.length} refused with a clear error, ${r.crashes.length} crashed, ${r.slow.length} over ${MAX_SECONDS_PER_MODEL} s`,
    `corpus: mean coverage ${r.meanCoveragePercent}% of nodes costed; slowest ${r.slowest.seconds.toFixed(3)} s (${r.slowest.file}); sweep took ${r.seconds.toFixed(1)} s`,
    `corpus: uncovered op types by node count: ${r.uncovered.slice(0, 40).map(([k, v]) => `${k} ${v}`).join(', ') || 'none'}`,
    ...r.refused.map((x) => `corpus: refused ${x.file}: ${x.message}`),
    ...r.crashes.map((x) => `corpus: CRASH ${x.file}: ${x.message.split('\n').slice(0, 4).join(' | ')}`),
    ...r.slow.map((x) => `corpus: SLOW ${x.file}: ${x.seconds.toFixed(2)} s`),
  ];
  return lines.join('\n');
}

if (require.main === module) {
  void sweepCorpus(listCorpus()).then((r) => console.log(formatSweep(r)));
}
