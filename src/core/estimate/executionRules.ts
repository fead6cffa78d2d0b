/**
 * The rules of the execution model: how an optimising runtime runs an exported graph, which the estimator
 * applies by default (`execution: 'fused'`) and leaves out when asked for the graph as exported
 * (`execution: 'as-exported'`). The planner is executionPlan.ts; this table is the rules' documentation,
 * used in the per-node notes and written into docs/estimator.md by scripts/generateEstimatorDoc.mjs.
 * Data only: no imports.
 */

/** How the estimator runs a graph: as an optimising runtime does (default), or one kernel per node as written. */
export type ExecutionMode = 'fused' | 'as-exported';

export const EXECUTION_MODES: readonly ExecutionMode[] = ['fused', 'as-exported'];

export type FusionRuleId = 'qdq' | 'view' | 'epilogue' | 'activation' | 'layernorm' | 'flash-attention' | 'kv-cache-in-place' | 'moe-dispatch' | 'l2-resident';

export interface FusionRule {
  readonly id: FusionRuleId;
  readonly title: string;
  /** What the runtime does, and when the planner applies it. */
  readonly rule: string;
  /** What the estimate saves when it applies. */
  readonly saving: string;
  /** Which runtimes do it, with a pointer to where. */
  readonly runtimes: string;
}

export const FUSION_RULES: readonly FusionRule[] = [
  {
    id: 'qdq',
    title: 'QDQ fusion',
    rule:
      'DequantizeLinear folds into every consumer (the consumer reads the quantized tensor, or the stored quantized weight, and dequantizes on load); ' +
      'QuantizeLinear folds into the kernel that produces its input when that float tensor feeds only QuantizeLinear nodes. ' +
      'A Conv/MatMul/Gemm between them runs as one quantized kernel at its effective precision (analysis/effectivePrecision.ts). ' +
      'A DequantizeLinear whose output is a graph output, or a QuantizeLinear of a graph input, still runs as its own kernel.',
    saving: 'No Q/DQ kernels and no float copies of quantized tensors: int8 (int4, FP8, FP4) tensors are what move, and the MAC op runs at its quantized peak.',
    runtimes: "ONNX Runtime's QDQ transformer (qdq_selector_action_transformer.cc: DQ → Conv → Q becomes QLinearConv, DQ → MatMul → Q QLinearMatMul, int4 DQ → MatMul MatMulNBits), TensorRT's Q/DQ fusion.",
  },
  {
    id: 'view',
    title: 'Views',
    rule: 'Reshape, Squeeze, Unsqueeze, Flatten, Identity and a Dropout in inference mode without a used mask relabel their input: their output aliases it when the byte size is unchanged and it is not a graph output.',
    saving: 'No copy and no kernel.',
    runtimes: 'ONNX Runtime aliases the output of these kernels to their input; TensorRT and XLA fold them into the layout of their neighbours.',
  },
  {
    id: 'epilogue',
    title: 'Epilogue fusion',
    rule:
      'An element-wise op (bias add, activation, residual add, BatchNormalization, Cast, Clip...) whose data input comes from a MAC op (Conv, MatMul, Gemm) runs in that kernel’s epilogue, ' +
      'when every consumer of that tensor is an element-wise op and its other inputs exist before the MAC op runs. ' +
      'A QLinear element-wise op (QLinearAdd, QLinearMul...) in an int8 kernel keeps only its float op: its dequantize and quantize steps fold into the rescale that kernel applies to its output anyway.',
    saving: 'The intermediate tensor is neither written nor read back, and the element-wise op launches no kernel; other inputs (the residual) are still read.',
    runtimes: 'cuBLASLt/CUTLASS epilogues in TensorRT and ONNX Runtime (FusedConv, FusedMatMul, BiasGelu), XLA output fusion.',
  },
  {
    id: 'activation',
    title: 'Activation and element-wise chain fusion',
    rule:
      'Chains of element-wise ops run as one kernel: a decomposed GELU (Div → Erf → Add → Mul → Mul, or the tanh form), SiLU (x · Sigmoid(x)), a scale-and-shift. ' +
      'An element-wise op joins the kernel of the element-wise op that produces its input under the epilogue rule’s conditions.',
    saving: 'One read of the inputs and one write of the result for the whole chain; one kernel launch.',
    runtimes: "TensorRT's pointwise fusion, XLA loop fusion, ONNX Runtime's GELU/FastGelu/BiasGelu fusions.",
  },
  {
    id: 'layernorm',
    title: 'LayerNorm / RMSNorm fusion',
    rule: 'A decomposed LayerNormalization (ReduceMean → Sub → Pow → ReduceMean → Add → Sqrt → Div, then the affine Mul/Add) or RMSNorm (Pow → ReduceMean → Add → Sqrt → Div or Reciprocal·Mul) runs as one kernel.',
    saving: 'The activation is read once and the result written once, instead of once per primitive.',
    runtimes: "ONNX Runtime's LayerNormFusion and SimplifiedLayerNormFusion, TensorRT's normalization fusion.",
  },
  {
    id: 'flash-attention',
    title: 'Fused (flash) attention',
    rule:
      'A decomposed attention MatMul(Q, Kᵀ) → scale → mask → Softmax → MatMul(·, V) runs as one kernel that never writes the score matrix, ' +
      'with the head transposes of Q, K, V and of the context folded into its strided reads and writes, and so are the Slices and Splits that only feed it ' +
      '(MLA\'s values, the first 512 of each cached latent the keys also read: the kernel reads the cache once). ' +
      'The contrib Attention/MultiHeadAttention/GroupQueryAttention ops are such kernels already: their cost rule reads Q, K, V and writes the output only.',
    saving: 'The [sequence × sequence] score and probability tensors and the transposed or sliced copies never reach memory; one kernel launch.',
    runtimes: "FlashAttention / memory-efficient attention in ONNX Runtime (AttentionFusion, MultiHeadAttention), TensorRT's MHA fusion, PyTorch SDPA, FlashMLA and TensorRT-LLM's MLA kernels.",
  },
  {
    id: 'kv-cache-in-place',
    title: 'In-place (paged) KV cache',
    rule:
      'A Concat of the past and the new keys/values that writes a fresh present tensor (a plain export) appends the new tokens in place; ' +
      'an attention op with separate past and present buffers writes only the new tokens into a shared buffer.',
    saving: 'The copy of the whole cache per step: the Concat reads and writes the new tokens only; attention still reads the whole cache.',
    runtimes: "ONNX Runtime GenAI (past_present_share_buffer), vLLM's and TensorRT-LLM's paged KV cache.",
  },
  {
    id: 'moe-dispatch',
    title: 'Top-k expert dispatch',
    rule:
      'A dense-dispatch MoE export (every expert computes every token, then a gate zeroes all but the top-k) runs as a top-k dispatch: ' +
      'each routed expert, and its gate, on the tokens routed to it only (T · k / E of them under uniform routing), reading its weights only when some token picks it. ' +
      'Fused MoE/QMoE nodes and sparse exports dispatch that way already (docs/estimator.md, "Mixture-of-experts serving"); executed as exported, a dense export runs as written.',
    saving: 'Expert FLOPs and activations × k / E, and the weights of the experts no token picks.',
    runtimes: "ONNX Runtime's MoE/QMoE kernels, vLLM's and SGLang's fused_moe, TensorRT-LLM's MoE plugin: grouped GEMMs over the tokens each expert received.",
  },
  {
    id: 'l2-resident',
    title: 'L2 residency between kernels',
    rule:
      'On a device that lists its last-level cache (`lastLevelCacheBytes`: the L2 of NVIDIA GPUs), a tensor one kernel writes and later kernels read stays in that cache ' +
      'when everything the kernels from its producer to its last reader write, plus the weights the kernels after the producer read, fits in it (the LRU stack distance of the read). ' +
      'Graph outputs always reach DRAM. At a large batch nothing fits; the serving search weighs smaller batches that fit against their smaller GEMMs and per-kernel costs.',
    saving: 'The tensor is neither written to nor read back from DRAM.',
    runtimes: 'The hardware: a write-back L2 shared by all SMs. TensorRT and ONNX Runtime reuse activation buffers, so a dead tensor is overwritten in the cache rather than written back.',
  },
];
