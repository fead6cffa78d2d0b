/**
 * The KV cache of a decoder graph (past key/value graph inputs, present graph outputs), for two hints:
 *  - copies: attention nodes (GroupQueryAttention, MultiHeadAttention, Attention...) with separate past and
 *    present buffers, and Concat(past, new) along the sequence axis as plain Hugging Face exports write it,
 *    write the whole present — past plus the new tokens — every step: a copy of the cache per token;
 *  - the cache tensors and their dtype, for storing the cache in 8 bits.
 * Pure: works on the report alone.
 */
import { isPastKeyValueName, isPresentKeyValueName } from '../estimate/kvCacheNames';
import { countToNumber, type NodeReport, type ReportDim } from '../report/reportTypes';
import type { GraphIndex } from '../analysis/graphIndex';
import type { NodeScale } from './hintTypes';

/** Ops that take past key/value inputs and return present outputs. */
const CACHE_ATTENTION_OPS: ReadonlySet<string> = new Set([
  'GroupQueryAttention', 'MultiHeadAttention', 'DecoderMaskedMultiHeadAttention', 'Attention', 'QAttention',
]);
/** Ops that relabel the cache without moving it to a new layout of other values: the cache flows through them. */
const CACHE_VIEW_OPS: ReadonlySet<string> = new Set(['Identity', 'Reshape', 'Squeeze', 'Unsqueeze', 'Flatten', 'Transpose']);
const MAX_VIEW_CHAIN = 8;

export interface KvCacheCopy {
  readonly node: NodeReport;
  /** Bytes of the past cache the node copies into its present outputs on every call. */
  readonly copiedBytes: number;
  /** The node writing only the new tokens into a preallocated cache. */
  readonly scale: NodeScale;
}

export interface KvCacheTensors {
  /** Past inputs, present outputs and the views between them and the nodes that use them. */
  readonly tensors: readonly string[];
  /** The cache's dtype (of the past inputs); undefined when they disagree. */
  readonly dtype: string | undefined;
  /** Main-graph nodes that read or write a cache tensor. */
  readonly nodes: readonly number[];
}

/** Past key/value graph inputs and the tensors that are views of them. */
function pastTensors(index: GraphIndex): Set<string> {
  const found = new Set<string>();
  const visit = (name: string, depth: number): void => {
    found.add(name);
    if (depth >= MAX_VIEW_CHAIN) return;
    for (const c of index.consumers(name)) if (CACHE_VIEW_OPS.has(c.opType) && c.inputs[0] === name) for (const o of c.outputs) visit(o.name, depth + 1);
  };
  for (const t of index.report.graphInputs) if (isPastKeyValueName(t.name)) visit(t.name, 0);
  return found;
}

/** Present key/value graph outputs and the tensors they are views of. */
function presentTensors(index: GraphIndex): Set<string> {
  const found = new Set<string>();
  const visit = (name: string, depth: number): void => {
    found.add(name);
    const p = index.producer(name);
    if (depth < MAX_VIEW_CHAIN && p && CACHE_VIEW_OPS.has(p.opType) && p.inputs[0]) visit(p.inputs[0], depth + 1);
  };
  for (const t of index.report.graphOutputs) if (isPresentKeyValueName(t.name)) visit(t.name, 0);
  return found;
}

function sumBytes(index: GraphIndex, names: readonly string[]): number | undefined {
  let total = 0;
  for (const n of names) {
    const t = index.tensor(n);
    const b = t && index.bytes(t);
    if (b === undefined) return undefined;
    total += b;
  }
  return total;
}

/** Same rank, one dim different: a concatenation along one axis (the sequence axis of the cache). */
function extendsOneAxis(past: readonly ReportDim[] | null | undefined, present: readonly ReportDim[] | null | undefined): boolean {
  if (!past || !present || past.length !== present.length) return false;
  return past.filter((d, i) => d !== present[i]).length === 1;
}

/**
 * Nodes that write a fresh present = past + new tokens each call. A node whose present is no larger than its
 * past already updates a shared fixed-size buffer and is not a copy; an empty past (prefill) copies nothing.
 */
export function findKvCacheCopies(index: GraphIndex): KvCacheCopy[] {
  const past = pastTensors(index);
  const present = presentTensors(index);
  const copies: KvCacheCopy[] = [];
  for (const n of index.nodes) {
    const isConcat = n.opType === 'Concat';
    if (!isConcat && !CACHE_ATTENTION_OPS.has(n.opType)) continue;
    const pastIn = n.inputs.filter((i) => i !== '' && past.has(i));
    const presentOut = n.outputs.filter((o) => present.has(o.name));
    if (pastIn.length === 0 || presentOut.length === 0) continue;
    if (isConcat && (pastIn.length !== 1 || !extendsOneAxis(index.tensor(pastIn[0])?.shape, presentOut[0].shape))) continue;
    const pastBytes = sumBytes(index, pastIn);
    const presentBytes = sumBytes(index, presentOut.map((o) => o.name));
    if (pastBytes === undefined || presentBytes === undefined || pastBytes === 0 || presentBytes <= pastBytes) continue;
    const written = countToNumber(n.bytesWritten);
    const activationRead = Math.max(0, countToNumber(n.bytesRead) - countToNumber(n.weightBytes));
    const without = (total: number) => (total > 0 ? Math.max(0, total - pastBytes) / total : 1);
    copies.push({
      node: n,
      copiedBytes: pastBytes,
      // Attention still reads the whole cache to attend over it; a Concat turned into a cache update reads
      // only the new tokens.
      scale: { index: n.index, compute: 1, activationBytes: isConcat ? without(activationRead) : 1, bytesWritten: without(written), weightBytesRead: 1, params: 1 },
    });
  }
  return copies;
}

/** The KV-cache tensors of the main graph and the nodes that touch them. */
export function kvCacheTensors(index: GraphIndex): KvCacheTensors {
  const tensors = new Set([...pastTensors(index), ...presentTensors(index)]);
  const pastDtypes = new Set(index.report.graphInputs.filter((t) => isPastKeyValueName(t.name)).map((t) => t.dtype));
  const nodes = index.nodes.filter((n) => n.inputs.some((i) => tensors.has(i)) || n.outputs.some((o) => tensors.has(o.name))).map((n) => n.index);
  return { tensors: [...tensors], dtype: pastDtypes.size === 1 ? [...pastDtypes][0] : undefined, nodes };
}
