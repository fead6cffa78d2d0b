/**
 * The one batch-dim rule, for the CLI's `--batch` and the panel's batch field alike: the symbolic dim the
 * graph inputs lead with is the batch.
 */
import type { OnnxModel } from '../onnx/model';
import type { ProfileReport } from '../report/reportTypes';

const BATCH_NAME = /batch|^n$|^b$|^bs$/i;

/**
 * The symbolic dim the graph inputs lead with: a name that says batch (`batch`, `batch_size`, `N`, `bs`)
 * when one does, else the one most inputs lead with. Undefined when the inputs lead with static dims (the
 * batch is then fixed by the export).
 */
export function batchSymbol(model: OnnxModel): string | undefined {
  const initializers = new Set(model.graph.initializers.map((t) => t.name));
  const counts = new Map<string, number>();
  for (const input of model.graph.inputs) {
    if (initializers.has(input.name) || input.type.kind !== 'tensor') continue;
    const first = input.type.shape?.[0];
    if (typeof first === 'string') counts.set(first, (counts.get(first) ?? 0) + 1);
  }
  const names = [...counts.keys()];
  return names.find((n) => BATCH_NAME.test(n)) ?? names.sort((a, b) => counts.get(b)! - counts.get(a)!)[0];
}

/** The user's bindings with the batch symbol bound to `batch`, unless the user bound it. */
export function bindBatch(symbol: string | undefined, userBindings: ReadonlyMap<string, number>, batch: number): Map<string, number> {
  const bindings = new Map(userBindings);
  if (symbol !== undefined && !bindings.has(symbol)) bindings.set(symbol, batch);
  return bindings;
}

/**
 * Samples per call of a report profiled with `bindings`: the batch symbol's value, else the static leading
 * dim of the first graph input (a model exported at a fixed batch), else 1.
 */
export function profiledBatch(symbol: string | undefined, bindings: ReadonlyMap<string, number>, report: ProfileReport): number {
  const bound = symbol === undefined ? undefined : bindings.get(symbol);
  if (bound !== undefined) return bound;
  const first = report.graphInputs[0]?.shape?.[0];
  return typeof first === 'number' && first > 0 ? first : 1;
}
