/**
 * What-if transforms of a ProfileReport, and the single code path that prices them: the estimator
 * (`estimateOnTarget`) runs on the report before and after the change, and the saving is the difference.
 * Hints and the UI's what-if toggles both go through `applyWhatIf` / `evaluateChange`.
 *
 * Conventions of a transformed report (it is a model of the changed graph, not a profile of a file):
 *  - a node's `weightBytes` and `params` are what it reads per call; the ratio weightBytes / params is the
 *    stored bytes per weight, which the estimator uses to recognise weight-only quantisation;
 *  - `totals.weightBytes` and `totals.params` are the stored footprint (memory fit);
 *  - removed and fused-away nodes keep their index with zero cost and no inputs or outputs;
 *  - tensors stored in another dtype (`tensor-dtype`) change dtype on their graph input/output summaries, and
 *    the peak activation figure, which holds the past key/value inputs, shrinks by what the KV cache shrinks
 *    (the estimator counts the cache apart from the other activations).
 * Pure: no I/O.
 */
import { dtypeBytesPerElement } from '../estimate/precision';
import { estimateOnTarget, kvCacheBytes, type ModelEstimate, type ModelEstimateOptions } from '../estimate/modelEstimate';
import type { HardwareEntry } from '../hardware/hardwareTypes';
import { type BigCount, countToNumber, type NodeReport, type ProfileReport, type TensorSummary } from '../report/reportTypes';
import { GraphIndex } from '../analysis/graphIndex';
import type { NodePrecision, NodeScale, TargetSaving, WhatIfChange } from './hintTypes';

type MutableNode = { -readonly [K in keyof NodeReport]: NodeReport[K] };

interface Draft {
  readonly report: ProfileReport;
  /** Main-graph nodes of the original report by index. */
  readonly originals: ReadonlyMap<number, NodeReport>;
  /** Dataflow index of the original report, built on first use. */
  index?: GraphIndex;
  readonly nodes: Map<number, MutableNode>;
  /** Stored footprint deltas (memory fit), separate from per-call reads. */
  storedParams: number;
  storedWeightBytes: number;
  readonly storedByDtype: Map<string, number>;
  /** Tensors stored in another dtype → that dtype. */
  readonly tensorDtypes: Map<string, string>;
}

/**
 * Changed reports already built, per report and change object: a precision plan's change is applied for its
 * per-layer table and again for its hint's price, and the estimator keeps its estimates per report object, so
 * the second use finds the first one's.
 */
const changedReports = new WeakMap<ProfileReport, WeakMap<WhatIfChange, ProfileReport>>();

/** The report as it would be after `change`. The input report is not modified. */
export function applyWhatIf(report: ProfileReport, change: WhatIfChange): ProfileReport {
  let byChange = changedReports.get(report);
  if (!byChange) changedReports.set(report, (byChange = new WeakMap()));
  let changed = byChange.get(change);
  if (!changed) byChange.set(change, (changed = changedReport(report, change)));
  return changed;
}

function changedReport(report: ProfileReport, change: WhatIfChange): ProfileReport {
  const originals = new Map(report.nodes.filter((n) => n.graphPath === '').map((n) => [n.index, n]));
  const draft: Draft = { report, originals, nodes: new Map(), storedParams: 0, storedWeightBytes: 0, storedByDtype: new Map(), tensorDtypes: new Map() };
  apply(draft, change);
  return finish(draft);
}

function apply(draft: Draft, change: WhatIfChange): void {
  switch (change.kind) {
    case 'precision':
      for (const p of change.nodes) applyPrecision(draft, p);
      narrowReaders(draft, change.nodes);
      return;
    case 'scale':
      for (const s of change.nodes) applyScale(draft, s);
      return;
    case 'fuse':
      applyFuse(draft, change.nodes, change.opType);
      return;
    case 'remove':
      for (const i of change.nodes) zero(editable(draft, i));
      return;
    case 'tensor-dtype':
      applyTensorDtype(draft, change.tensors, change.dtype);
      return;
    case 'combined':
      for (const c of change.changes) apply(draft, c);
      return;
  }
}

/** A mutable copy of node `index` (main graph), created on first edit. */
function editable(draft: Draft, index: number): MutableNode {
  let n = draft.nodes.get(index);
  if (!n) {
    const original = draft.originals.get(index);
    if (!original) throw new Error(`what-if: no main-graph node with index ${index}`);
    n = { ...original, outputs: [...original.outputs] };
    draft.nodes.set(index, n);
  }
  return n;
}

function applyPrecision(draft: Draft, p: NodePrecision): void {
  const n = editable(draft, p.index);
  const params = countToNumber(n.params);
  const weightBytes = countToNumber(n.weightBytes);
  const activation = Math.max(0, countToNumber(n.bytesRead) - weightBytes);
  const ratio = p.activationBytesPerElement / dtypeBytesPerElement(n.computeDtype);
  const newWeightBytes = params > 0 && weightBytes > 0 ? params * p.weightBytesPerElement : weightBytes;
  recordStored(draft, n.computeDtype, -weightBytes);
  recordStored(draft, p.computeDtype, newWeightBytes);
  n.weightBytes = newWeightBytes;
  n.bytesRead = activation * ratio + newWeightBytes;
  n.bytesWritten = countToNumber(n.bytesWritten) * ratio;
  if (Math.abs(ratio - 1) > 1e-9) {
    n.outputs = n.outputs.map((o) => (o.dtype === n.computeDtype ? { ...o, dtype: p.computeDtype } : o));
  }
  n.computeDtype = p.computeDtype;
}

function recordStored(draft: Draft, dtype: string, bytes: number): void {
  draft.storedWeightBytes += bytes;
  draft.storedByDtype.set(dtype, (draft.storedByDtype.get(dtype) ?? 0) + bytes);
}

function applyScale(draft: Draft, s: NodeScale): void {
  const n = editable(draft, s.index);
  const params = countToNumber(n.params);
  const weightBytes = countToNumber(n.weightBytes);
  const activationRead = Math.max(0, countToNumber(n.bytesRead) - weightBytes);
  draft.storedParams += params * (s.params - 1);
  recordStored(draft, n.computeDtype, weightBytes * (s.params - 1));
  n.flops = countToNumber(n.flops) * s.compute;
  n.macs = countToNumber(n.macs) * s.compute;
  // params scale with the weight bytes read, so that bytes per weight (the precision signal) is unchanged.
  n.params = params * s.weightBytesRead;
  n.weightBytes = weightBytes * s.weightBytesRead;
  n.bytesRead = activationRead * s.activationBytes + countToNumber(n.weightBytes);
  n.bytesWritten = countToNumber(n.bytesWritten) * (s.bytesWritten ?? s.activationBytes);
}

/**
 * Every node that reads or writes one of `tensors` moves its bytes of them at the new width, as a factor on
 * the node's original activation reads and writes, so the change composes with earlier scales. A node that
 * moves less than the whole tensor (a cache update writes only the new tokens) moves at most what is left of
 * its bytes after its other tensors. Compute dtypes are unchanged: the kernel converts on load and store.
 */
function applyTensorDtype(draft: Draft, tensors: readonly string[], dtype: string): void {
  const stored = new Map(tensors.map((t) => [t, dtype]));
  for (const original of draft.originals.values()) {
    const outputs = original.outputs.map((o) => o.name);
    if (!original.inputs.some((i) => stored.has(i)) && !outputs.some((o) => stored.has(o))) continue;
    const n = editable(draft, original.index);
    rescaleReads(draft, n, original, stored);
    n.bytesWritten = countToNumber(n.bytesWritten) * widthFactor(draft, outputs, countToNumber(original.bytesWritten), stored);
    n.outputs = n.outputs.map((o) => (stored.has(o.name) ? { ...o, dtype } : o));
  }
  for (const name of tensors) draft.tensorDtypes.set(name, dtype);
}

/**
 * The nodes outside a precision change that read a tensor it narrowed (a Softmax kept in FP32 after a BF16
 * producer) read it at its new width, converting on load. Left at the old width, a fused kernel that keeps the
 * tensor on chip would still be charged the difference between the two.
 */
function narrowReaders(draft: Draft, changed: readonly NodePrecision[]): void {
  const inChange = new Set(changed.map((p) => p.index));
  const narrowed = new Map<string, string>();
  for (const p of changed) {
    const original = draft.originals.get(p.index)!;
    draft.nodes.get(p.index)!.outputs.forEach((o, k) => {
      if (o.dtype !== original.outputs[k]?.dtype) narrowed.set(o.name, o.dtype);
    });
  }
  if (narrowed.size === 0) return;
  const index = (draft.index ??= new GraphIndex(draft.report));
  const readers = new Set<number>();
  for (const name of narrowed.keys()) for (const c of index.consumers(name)) if (!inChange.has(c.index) && draft.originals.has(c.index)) readers.add(c.index);
  for (const i of readers) rescaleReads(draft, editable(draft, i), draft.originals.get(i)!, narrowed);
}

/** A node's activation reads with the tensors of `widths` at their new dtype (its weight reads unchanged). */
function rescaleReads(draft: Draft, n: MutableNode, original: NodeReport, widths: ReadonlyMap<string, string>): void {
  const weightBytes = countToNumber(n.weightBytes);
  const factor = widthFactor(draft, original.inputs, countToNumber(original.bytesRead) - countToNumber(original.weightBytes), widths);
  n.bytesRead = Math.max(0, countToNumber(n.bytesRead) - weightBytes) * factor + weightBytes;
}

/** Factor on `total` bytes moved of `names` (weights excluded) when the tensors of `widths` take their new dtype. */
function widthFactor(draft: Draft, names: readonly string[], total: number, widths: ReadonlyMap<string, string>): number {
  const index = (draft.index ??= new GraphIndex(draft.report));
  let before = 0;
  let after = 0;
  let others = 0;
  for (const name of names) {
    const t = name === '' || index.isInitializer(name) ? undefined : index.tensor(name);
    const elements = t && index.elements(t);
    if (!t || elements === undefined) continue;
    const bytes = elements * dtypeBytesPerElement(t.dtype);
    const dtype = widths.get(name);
    if (dtype === undefined) others += bytes;
    else {
      before += bytes;
      after += elements * dtypeBytesPerElement(dtype);
    }
  }
  if (before === 0 || total <= 0) return 1;
  const moved = Math.min(before, Math.max(0, total - others));
  return Math.max(0, total - moved * (1 - after / before)) / total;
}

/**
 * One kernel replaces `indices`: it reads the tensors that enter the group once and writes the tensors that
 * leave it; tensors passed between members stay on chip. FLOPs, MACs and weights are the members' sum.
 */
function applyFuse(draft: Draft, indices: readonly number[], opType: string): void {
  const index = (draft.index ??= new GraphIndex(draft.report));
  const members = indices.map((i) => editable(draft, i));
  const inside = new Set(members.flatMap((m) => m.outputs.map((o) => o.name)));
  const memberSet = new Set(indices);
  // From the shape; else, for a single-output producer, the bytes the report says it writes (dims such as
  // max(0, seq − 1) that the estimator's evaluator does not read were evaluated by the profiler).
  const bytesOf = (t: TensorSummary | undefined): number | undefined => {
    if (!t) return undefined;
    const bytes = index.bytes(t);
    if (bytes !== undefined) return bytes;
    const producer = index.producer(t.name);
    return producer && producer.outputs.length === 1 ? countToNumber(producer.bytesWritten) : undefined;
  };
  const externalInputs = [...new Set(members.flatMap((m) => m.inputs).filter((i) => i !== '' && !inside.has(i) && !index.isInitializer(i)))];
  const externalOutputs = members.flatMap((m) => m.outputs).filter(
    (o) => index.graphOutputs.has(o.name) || index.consumers(o.name).some((c) => !memberSet.has(c.index)),
  );
  const inBytes = externalInputs.map((i) => bytesOf(index.tensor(i)));
  const outBytes = externalOutputs.map((o) => bytesOf(o));
  if ([...inBytes, ...outBytes].some((b) => b === undefined)) return; // sizes unknown: leave the nodes as they are
  const anchor = members.reduce((best, m) => (countToNumber(m.macs) > countToNumber(best.macs) ? m : best), members[0]);
  const sum = (k: 'flops' | 'macs' | 'params' | 'weightBytes') => members.reduce((s, m) => s + countToNumber(m[k]), 0);
  const fused: Partial<MutableNode> = {
    opType,
    flops: sum('flops'),
    macs: sum('macs'),
    params: sum('params'),
    weightBytes: sum('weightBytes'),
    inputs: [...externalInputs, ...members.flatMap((m) => m.inputs).filter((i) => i !== '' && index.isInitializer(i))],
    outputs: externalOutputs,
  };
  fused.bytesRead = (inBytes as number[]).reduce((s, b) => s + b, 0) + countToNumber(fused.weightBytes);
  fused.bytesWritten = (outBytes as number[]).reduce((s, b) => s + b, 0);
  for (const m of members) if (m !== anchor) zero(m);
  Object.assign(anchor, fused);
}

function zero(n: MutableNode): void {
  n.flops = 0;
  n.macs = 0;
  n.params = 0;
  n.weightBytes = 0;
  n.bytesRead = 0;
  n.bytesWritten = 0;
  n.inputs = [];
  n.outputs = [];
  n.status = 'costed';
}

function finish(draft: Draft): ProfileReport {
  const { report } = draft;
  const nodes = report.nodes.map((n) => (n.graphPath === '' ? (draft.nodes.get(n.index) ?? n) : n));
  const delta = (k: 'flops' | 'macs' | 'bytesRead' | 'bytesWritten') => {
    let d = 0;
    for (const [i, changed] of draft.nodes) {
      const original = draft.originals.get(i)!;
      d += countToNumber(changed[k]) - countToNumber(original[k]);
    }
    return d;
  };
  const byDtype: Record<string, BigCount> = { ...report.totals.weightBytesByDtype };
  for (const [dtype, bytes] of draft.storedByDtype) byDtype[dtype] = Math.max(0, countToNumber(byDtype[dtype]) + bytes);
  const withStoredDtype = (t: TensorSummary) => {
    const dtype = draft.tensorDtypes.get(t.name);
    return dtype === undefined ? t : { ...t, dtype };
  };
  const graphInputs = report.graphInputs.map(withStoredDtype);
  const graphOutputs = report.graphOutputs.map(withStoredDtype);
  const cacheShrink = draft.tensorDtypes.size === 0 ? 0 : kvCacheBytes(report).bytes - kvCacheBytes({ ...report, graphInputs, graphOutputs }).bytes;
  return {
    ...report,
    nodes,
    graphInputs,
    graphOutputs,
    totals: {
      ...report.totals,
      flops: countToNumber(report.totals.flops) + delta('flops'),
      macs: countToNumber(report.totals.macs) + delta('macs'),
      bytesRead: countToNumber(report.totals.bytesRead) + delta('bytesRead'),
      bytesWritten: countToNumber(report.totals.bytesWritten) + delta('bytesWritten'),
      params: countToNumber(report.totals.params) + draft.storedParams,
      weightBytes: Math.max(0, countToNumber(report.totals.weightBytes) + draft.storedWeightBytes),
      weightBytesByDtype: byDtype,
      ...(cacheShrink !== 0 ? { peakActivationBytes: Math.max(0, countToNumber(report.totals.peakActivationBytes) - cacheShrink) } : {}),
    },
  };
}

/** Why a change cannot run on a target (it lacks the dtype, the sparse units...), or undefined when it can. */
export type Applicability = (target: HardwareEntry) => string | undefined;

/**
 * The saving of `change` on each target: estimator(report) − estimator(applyWhatIf(report, change)).
 * Targets where `applies` gives a reason get verdict 'none' and zero saving.
 */
export function evaluateChange(
  report: ProfileReport,
  change: WhatIfChange,
  targets: readonly HardwareEntry[],
  options: ModelEstimateOptions = {},
  applies: Applicability = () => undefined,
): TargetSaving[] {
  let changed: ProfileReport | undefined;
  return targets.map((target) => {
    const before = estimateOnTarget(report, target, options);
    const reason = applies(target);
    if (reason !== undefined) return noSaving(before, reason);
    changed ??= applyWhatIf(report, change);
    const after = estimateOnTarget(changed, target, options);
    return savingBetween(before, after);
  });
}

/** before − after of two estimates of the same target. */
export function savingBetween(before: ModelEstimate, after: ModelEstimate): TargetSaving {
  const seconds = before.latencySeconds - after.latencySeconds;
  const usd = before.costPerMillionUsd === null || after.costPerMillionUsd === null ? null : before.costPerMillionUsd - after.costPerMillionUsd;
  // A gain is a faster call, or a cheaper one: fewer chip-seconds (a change that frees memory drops chips).
  const cheaper = after.chips * after.latencySeconds < before.chips * before.latencySeconds * (1 - 1e-6);
  const gain = seconds > before.latencySeconds * 1e-6 || cheaper;
  return {
    target: before.target,
    verdict: gain ? 'gain' : 'none',
    ...(gain ? {} : { reason: seconds < 0 ? `slower on ${before.target}` : `no faster on ${before.target}` }),
    seconds,
    baselineSeconds: before.latencySeconds,
    usdPerMillion: usd,
    bytes: before.memoryNeededBytes - after.memoryNeededBytes,
    chipsBefore: before.chips,
    chipsAfter: after.chips,
  };
}

function noSaving(before: ModelEstimate, reason: string): TargetSaving {
  return {
    target: before.target,
    verdict: 'none',
    reason,
    notApplicable: true,
    seconds: 0,
    baselineSeconds: before.latencySeconds,
    usdPerMillion: before.costPerMillionUsd === null ? null : 0,
    bytes: 0,
    chipsBefore: before.chips,
    chipsAfter: before.chips,
  };
}
