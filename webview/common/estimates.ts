/**
 * The views' reading of 'report/show'.estimates (EstimatesPayload, validated by the protocol): the
 * compared targets, and each target's node times, looked up by node index. A target's index is built on
 * first use, from the columns as they came: a 50,000-node report times every node on every target, and
 * the first paint needs one target's times, and of those only the rows on screen and the slowest few.
 */
import type { ModelEstimate } from '../../src/core/estimate/modelEstimate';
import type { TargetRoof } from '../../src/core/pipeline/analysisTypes';
import { notesByNode } from '../../src/core/pipeline/layerNotes';
import type { EstimatesPayload, NodeBound, NodeTimesPayload } from '../../src/protocol/messages';

export interface NodeTimeView {
  readonly index: number;
  readonly seconds: number;
  readonly bound: NodeBound;
  /** What the estimator charged the node on this target (after fusion, precision, tensor-parallel split). */
  readonly flops: number;
  readonly memoryBytes: number;
}

/** One target's node times, looked up by node index without building an object per node. */
export class NodeTimes {
  private readonly positionOf: Int32Array;
  private notesOf: Map<number, string[]> | undefined;

  constructor(readonly columns: NodeTimesPayload) {
    let max = -1;
    for (const i of columns.nodeIndex) if (i > max) max = i;
    this.positionOf = new Int32Array(max + 1).fill(-1);
    columns.nodeIndex.forEach((index, pos) => (this.positionOf[index] = pos));
  }

  get size(): number {
    return this.columns.nodeIndex.length;
  }

  get(index: number): NodeTimeView | undefined {
    const pos = index < this.positionOf.length ? this.positionOf[index] : -1;
    return pos >= 0 ? this.at(pos) : undefined;
  }

  /** The node at column position `pos`. */
  at(pos: number): NodeTimeView {
    const c = this.columns;
    return { index: c.nodeIndex[pos], seconds: c.seconds[pos], bound: c.bound[pos], flops: c.flops[pos], memoryBytes: c.memoryBytes[pos] };
  }

  /** The estimator's notes on node `index` on this target (indexed on first use: only a detail pane reads them). */
  notes(index: number): readonly string[] {
    this.notesOf ??= notesByNode(this.columns.notes);
    return this.notesOf.get(index) ?? [];
  }

  /** Column positions of the `count` largest values of `key` (largest first) among the positions `keep` accepts. */
  top(key: 'seconds' | 'flops', count: number, keep: (pos: number) => boolean = () => true): number[] {
    const values = this.columns[key];
    const kept: number[] = [];
    for (let pos = 0; pos < values.length; pos++) if (keep(pos)) kept.push(pos);
    return kept.sort((a, b) => values[b] - values[a] || a - b).slice(0, count);
  }
}

const NO_TIMES = new NodeTimes({ nodeIndex: [], seconds: [], flops: [], memoryBytes: [], bound: [], kernel: [] });

export class EstimatesView {
  private readonly times = new Map<string, NodeTimes>();

  constructor(readonly payload: EstimatesPayload) {}

  get targets(): readonly ModelEstimate[] {
    return this.payload.targets;
  }

  get bestTarget(): string | null {
    return this.payload.bestTarget;
  }

  target(id: string): ModelEstimate | undefined {
    return this.payload.targets.find((t) => t.target === id);
  }

  roof(id: string): TargetRoof | undefined {
    return this.payload.roofs[id];
  }

  /** The node times of `target` (empty when it has none), indexed on first use. */
  nodeTimes(target: string): NodeTimes {
    const columns = this.payload.nodeTimes[target];
    if (!columns) return NO_TIMES;
    let t = this.times.get(target);
    if (!t) this.times.set(target, (t = new NodeTimes(columns)));
    return t;
  }
}
