/**
 * Decode attention with one query row per KV head. Pure: no I/O.
 *
 * An attention node that writes a present key cache ([batch, kv heads, total, head size]) computes, for each KV head
 * of each sequence, scores for `query rows × kv heads⁻¹ × query heads` rows: the query tokens of the call times the
 * query heads sharing that KV head. With one row (a decode step of a multi-head model, GPT-J's 16 heads over 16 KV
 * heads) both products are matrix-vector products: a tensor-core tile has at least 16 rows (PTX `mma` shapes
 * m16n8k16, m16n8k32), so it would compute 1/16 of useful work, and runtimes run these kernels on the vector units
 * instead. TensorRT-LLM's masked multi-head attention (the generation kernel it uses for MHA; XQA serves MQA/GQA)
 * launches one thread block per (head, sequence) and does the Q·Kᵀ and P·V dot products as FP32 FMAs
 * (`MMHA_USE_FP32_ACCUM_FOR_FMA`; `MMHA_USE_HMMA` is off), docs/estimator.md section 2.
 */
import type { NodeReport, ProfileReport, ReportDim } from '../report/reportTypes';
import { evalDim } from './tensorSize';

/** Query rows per KV head per sequence, when the node is an attention with a present key output; else undefined. */
export function queryRowsPerKvHead(n: Pick<NodeReport, 'opType' | 'outputs'>, bindings: ProfileReport['bindings']): number | undefined {
  if (!/Attention$/.test(n.opType) || n.outputs.length < 2) return undefined;
  const [y, presentKey] = n.outputs;
  if (!y.shape || !presentKey.shape || presentKey.shape.length !== 4) return undefined;
  const dim = (d: ReportDim) => evalDim(d, bindings);
  const kvHeads = dim(presentKey.shape[1]);
  const headSize = dim(presentKey.shape[3]);
  if (!kvHeads || !headSize) return undefined;
  let queryHeads: number | undefined;
  let tokens: number | undefined;
  if (y.shape.length === 3) {
    // [batch, sequence, query heads × head size]
    const hidden = dim(y.shape[2]);
    queryHeads = hidden !== undefined ? hidden / headSize : undefined;
    tokens = dim(y.shape[1]);
  } else if (y.shape.length === 4) {
    // [batch, query heads, sequence, head size]
    queryHeads = dim(y.shape[1]);
    tokens = dim(y.shape[2]);
  }
  if (!queryHeads || !tokens || !Number.isInteger(queryHeads)) return undefined;
  return (tokens * queryHeads) / kvHeads;
}

/** True when the node's attention products are matrix-vector products: they run on the vector units. */
export function runsAsMatrixVector(n: Pick<NodeReport, 'opType' | 'outputs'>, bindings: ProfileReport['bindings']): boolean {
  const rows = queryRowsPerKvHead(n, bindings);
  return rows !== undefined && rows < 2;
}
