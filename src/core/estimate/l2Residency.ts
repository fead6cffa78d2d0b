/**
 * L2 residency between kernels. A GPU's last-level cache (the L2) is write-back and shared by all cores: a tensor
 * one kernel writes and a later kernel reads is still in it when the bytes touched in between leave room, so neither
 * its write nor its read reaches DRAM (the runtime's memory planner reuses activation buffers, so a dead tensor's
 * lines are overwritten in the cache rather than written back). The rule is the LRU stack distance: a tensor stays
 * when everything the kernels from its producer to its last reader write, plus the weights the kernels after its
 * producer read, fits in the cache. At a large batch nothing fits and every tensor between kernels goes to DRAM, as
 * before; at a small batch a CNN's activations can stay on chip, which the serving search weighs against the
 * smaller GEMMs and the per-kernel costs. Model: docs/estimator.md ("L2 residency between kernels"). Pure.
 */
import type { NodeReport, ProfileReport } from '../report/reportTypes';
import { type ExecutedNode, graphOutputSources } from './executionPlan';
import { tensorSummaryBytes } from './tensorSize';

/** Bytes at the run precision: the factor a node's stored activation bytes and weight bytes take on the device. */
export interface RunScale {
  readonly activation: number;
  /** Weight bytes the node reads at the run precision. */
  readonly weightBytes: number;
}

/**
 * `executed` with the DRAM traffic of L2-resident tensors removed (rule `l2-resident` on the nodes it changed).
 * `capacityBytes` is the cache the tensors may use; `scale(i)` gives node i's run-precision factors.
 */
export function l2Resident(
  report: ProfileReport,
  nodes: readonly NodeReport[],
  executed: readonly ExecutedNode[],
  capacityBytes: number,
  scale: (i: number) => RunScale,
): ExecutedNode[] {
  if (!(capacityBytes > 0)) return [...executed];
  // Kernels in execution (graph) order, by the first node of each; per node, its kernel's position (-1: none).
  const position = new Map<number, number>();
  executed.forEach((x) => {
    if (x.kernel !== undefined && x.runs !== 'folded' && !position.has(x.kernel)) position.set(x.kernel, position.size);
  });
  const kernelAt = executed.map((x) => (x.kernel === undefined ? -1 : (position.get(x.kernel) ?? -1)));
  const producer = new Map<string, number>();
  nodes.forEach((n, i) => n.outputs.forEach((o) => producer.set(o.name, i)));
  // A folded node (a view, a DequantizeLinear of an activation) stands for its data input.
  const underlying = (tensor: string): string => {
    for (let depth = 0, t = tensor; ; depth++) {
      const p = producer.get(t);
      if (p === undefined || executed[p].runs !== 'folded' || depth > 32 || !nodes[p].inputs[0]) return t;
      t = nodes[p].inputs[0];
    }
  };
  // Tensors passed between kernels: the first reading node of each reading kernel (it carries the kernel's read).
  const readers = new Map<string, number[]>();
  const readingKernels = new Map<string, Set<number>>();
  nodes.forEach((n, i) => {
    const k = kernelAt[i];
    if (k < 0 || executed[i].runs === 'folded' || n.status !== 'costed') return;
    for (const input of new Set(n.inputs)) {
      if (!input) continue;
      const t = underlying(input);
      const p = producer.get(t);
      if (p === undefined || kernelAt[p] < 0 || kernelAt[p] === k) continue;
      let kernels = readingKernels.get(t);
      if (!kernels) readingKernels.set(t, (kernels = new Set<number>()));
      if (kernels.has(k)) continue;
      kernels.add(k);
      const list = readers.get(t);
      if (list) list.push(i);
      else readers.set(t, [i]);
    }
  });
  // Graph outputs, and the tensors a free relabel turns into one: they land in DRAM whatever the cache holds.
  const graphOutputs = new Set(graphOutputSources(report).keys());
  const tensorBytes = new Map<string, number>();
  const kernels = position.size;
  const written = new Array<number>(kernels).fill(0);
  const weights = new Array<number>(kernels).fill(0);
  for (const t of new Set([...readers.keys(), ...graphOutputs])) {
    const p = producer.get(t);
    const k = p === undefined ? -1 : kernelAt[p];
    if (p === undefined || k < 0) continue;
    const summary = nodes[p].outputs.find((o) => o.name === t);
    const bytes = summary ? tensorSummaryBytes(summary, report.bindings) : undefined;
    if (bytes === undefined) continue;
    tensorBytes.set(t, bytes);
    written[k] += bytes * scale(p).activation;
  }
  executed.forEach((x, i) => {
    const k = kernelAt[i];
    if (k >= 0 && x.runs !== 'folded') weights[k] += scale(i).weightBytes;
  });
  // Each node's activation bytes and savings as the resident tensors take theirs off, in the order they come;
  // the changed nodes are copied once, at the end.
  const activation = new Map<number, number>();
  const saved = new Map<number, number>();
  for (const [t, reading] of readers) {
    const bytes = tensorBytes.get(t);
    if (bytes === undefined || graphOutputs.has(t)) continue;
    const p = producer.get(t)!;
    const from = kernelAt[p];
    let to = -1;
    for (const r of reading) to = Math.max(to, kernelAt[r]);
    let window = 0;
    for (let k = from; k <= to && window <= capacityBytes; k++) window += written[k] + (k > from ? weights[k] : 0);
    if (window > capacityBytes) continue;
    for (const i of [p, ...reading]) {
      const before = activation.get(i) ?? executed[i].activationBytes;
      const taken = Math.min(before, bytes);
      activation.set(i, before - taken);
      saved.set(i, (saved.get(i) ?? executed[i].bytesSaved) + taken);
    }
  }
  const out = [...executed];
  for (const [i, bytes] of activation) {
    const x = executed[i];
    out[i] = { ...x, activationBytes: bytes, bytesSaved: saved.get(i)!, rules: x.rules.includes('l2-resident') ? x.rules : [...x.rules, 'l2-resident'] };
  }
  return out;
}
