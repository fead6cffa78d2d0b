/**
 * Which precision a node RUNS in on a given device, and how many bytes per element its weights and
 * activations move. The report says what the graph asks for (`computeDtype`); the device may not have
 * that precision, and then the runtime falls back to the next one it has (fp8 on an A100 runs as fp16,
 * bf16 on a T4 runs as fp16, int8 on a device without integer tensor cores runs as fp16...).
 *
 * Weight-only quantisation (MatMulNBits, 4-bit GatherBlockQuantized, DequantizeLinear on the weight alone)
 * is handled separately: the weights stream at 4 bits but the arithmetic runs at the activation precision
 * (fp16/fp32), because the kernels dequantise in registers before the multiply. A precision choice
 * (`precisionOverride`) of int4 means the same (W4A16), and so does int8-weight-only with 8-bit weights (W8A16);
 * fp4 means NVFP4 weights and activations where the device has FP4 matrix units, and weight-only FP4 where it has not.
 *
 * Pure: no I/O. Documented in docs/estimator.md.
 */
import type { HardwareEntry, Precision } from '../hardware/hardwareTypes';
import { bitsOf, DataType, isKnownDataType } from '../onnx/dataType';
import { countToNumber, type NodeQuantization } from '../report/reportTypes';

/** Names the report's dtype strings may use besides the ONNX spelling (`dataTypeName`). */
const DTYPE_ALIASES: ReadonlyMap<string, DataType> = new Map([
  ['float32', DataType.FLOAT],
  ['float64', DataType.DOUBLE],
]);

/**
 * Bytes per element of an ONNX dtype name (any case), from the storage widths of onnx/dataType.ts.
 * Names without a fixed numeric width (string, undefined, unknown, sequence types) count as 4 bytes (float).
 */
export function dtypeBytesPerElement(dtype: string): number {
  let bytes = BYTES_BY_NAME.get(dtype);
  if (bytes === undefined) {
    const name = dtype.toLowerCase();
    const code = DTYPE_ALIASES.get(name) ?? (DataType as unknown as Record<string, unknown>)[name.toUpperCase()];
    bytes = typeof code !== 'number' || !isKnownDataType(code) || code === DataType.STRING || code === DataType.UNDEFINED ? 4 : bitsOf(code) / 8;
    BYTES_BY_NAME.set(dtype, bytes);
  }
  return bytes;
}

/** Memo of dtypeBytesPerElement: the estimator asks for every node of every estimate. */
const BYTES_BY_NAME = new Map<string, number>();

/**
 * What a user can ask the estimate to run a model in: a precision, or int8 weights with 16-bit activations and
 * arithmetic (W8A16: TensorRT-LLM's `int8_weight_only`, JetStream's `int8_per_channel` weights, bitsandbytes'
 * LLM.int8 storage), which differs from int8 (W8A8, the int8 matrix units) as int4 (W4A16) does from int4 arithmetic.
 */
export type PrecisionChoice = Precision | 'int8-weight-only';

/**
 * What the KV cache is stored in, whatever the layers compute in: serving runtimes choose it on its own (vLLM's
 * `--kv-cache-dtype fp8`, TensorRT-LLM's FP8 or INT8 KV cache, JetStream's int8 cache). The attention kernels read
 * it at this width and convert on load; their arithmetic is the layer's.
 */
export type KvCacheDtype = 'fp16' | 'bf16' | 'fp8' | 'int8';

/** The KV-cache widths the CLI and the panels offer. */
export const KV_CACHE_DTYPES: readonly KvCacheDtype[] = ['bf16', 'fp16', 'fp8', 'int8'];

/** Every precision choice the CLI and the panels offer, in the order they list them. */
export const PRECISION_CHOICES: readonly PrecisionChoice[] = ['fp32', 'tf32', 'bf16', 'fp16', 'fp8', 'int8', 'int8-weight-only', 'int4', 'fp4'];

/** Whether a value (a CLI argument, a view's message) is one of PRECISION_CHOICES. */
export function isPrecisionChoice(v: unknown): v is PrecisionChoice {
  return typeof v === 'string' && (PRECISION_CHOICES as readonly string[]).includes(v);
}

/** Whether a value is one of KV_CACHE_DTYPES. */
export function isKvCacheDtype(v: unknown): v is KvCacheDtype {
  return typeof v === 'string' && (KV_CACHE_DTYPES as readonly string[]).includes(v);
}

/** Bytes per element a precision moves when tensors are stored in it. */
export function precisionBytesPerElement(p: Precision): number {
  switch (p) {
    case 'fp64':
      return 8;
    case 'fp32':
    case 'tf32':
      return 4;
    case 'bf16':
    case 'fp16':
      return 2;
    case 'fp8':
    case 'int8':
      return 1;
    case 'int4':
    case 'fp4':
      return 0.5;
  }
}

/** The precision an ONNX dtype asks for, or null when it is not an arithmetic type (bool, string...). */
export function dtypeToPrecision(dtype: string): Precision | null {
  switch (dtype.toLowerCase()) {
    case 'double':
    case 'float64':
      return 'fp64';
    case 'float':
    case 'float32':
      return 'fp32';
    case 'float16':
      return 'fp16';
    case 'bfloat16':
      return 'bf16';
    case 'float8e4m3fn':
    case 'float8e4m3fnuz':
    case 'float8e5m2':
    case 'float8e5m2fnuz':
      return 'fp8';
    case 'int8':
    case 'uint8':
    case 'int16':
    case 'uint16':
      return 'int8';
    case 'int4':
    case 'uint4':
      return 'int4';
    case 'float4e2m1':
      return 'fp4';
    // Integer index/shape arithmetic (int32/int64) never runs on matrix units; treat it as fp32-rate work.
    case 'int32':
    case 'uint32':
    case 'int64':
    case 'uint64':
      return 'fp32';
    default:
      return null;
  }
}

/**
 * Fallback order per requested precision: the first one the device has a peak for is used.
 * Rationale (docs/estimator.md): a runtime keeps the narrowest format it can run natively that does not
 * lose range; fp8 → fp16 (A100, T4), int8 → fp16 when there are no integer tensor cores (TPU v5p has
 * int8, Blackwell dropped dense int8 from some SKUs), bf16 → fp16 (T4, V100 have no bf16), fp32 → tf32 only
 * when the user allows it, otherwise the fp32 figure; an accelerator with no fp32 figure emulates fp32
 * with three bf16 passes (see EMULATION_PENALTY). int4 values fit int8 exactly, so int4 without int4
 * units runs on int8 units; FP4 without FP4 units is dequantised to 16 bits (vLLM's Marlin FP4 and
 * TensorRT-LLM's Hopper path run NVFP4 checkpoints that way), not to FP8.
 */
const FALLBACKS: Record<Precision, readonly Precision[]> = {
  fp4: ['fp4', 'fp16', 'bf16', 'fp32'],
  int4: ['int4', 'int8', 'fp16', 'bf16', 'fp32'],
  fp8: ['fp8', 'fp16', 'bf16', 'fp32'],
  int8: ['int8', 'fp16', 'bf16', 'fp32'],
  fp16: ['fp16', 'bf16', 'fp32'],
  bf16: ['bf16', 'fp16', 'fp32'],
  fp32: ['fp32', 'tf32', 'bf16', 'fp16'],
  tf32: ['tf32', 'fp32', 'bf16', 'fp16'],
  fp64: ['fp64', 'fp32'],
};

/**
 * Stored bytes per weight of the sub-byte formats a precision choice writes, scales included:
 *  - int4: 4-bit values with one fp16 scale per group of 128 (4.125 bits): the default group of ONNX
 *    Runtime's MatMul4BitsQuantizer (block_size 128), AWQ and GPTQ;
 *  - fp4: NVFP4, FP4 E2M1 values with one FP8 E4M3 scale per block of 16 (4.5 bits; NVIDIA, "Introducing
 *    NVFP4 for Efficient and Accurate Low-Precision Inference"); the per-tensor FP32 scale is negligible.
 */
export const INT4_WEIGHT_BYTES = (4 + 16 / 128) / 8;
export const NVFP4_BYTES = (4 + 8 / 16) / 8;

/**
 * Throughput penalty when a precision is emulated with a narrower one: fp32 on a bf16-only matrix unit
 * takes three bf16 passes (the "bf16x3" scheme TPUs and cuBLAS use); fp64 on fp32 units takes ~4.
 */
function emulationPenalty(requested: Precision, used: Precision): number {
  if ((requested === 'fp32' || requested === 'tf32') && (used === 'bf16' || used === 'fp16')) return 1 / 3;
  if (requested === 'fp64' && used === 'fp32') return 1 / 4;
  return 1;
}

export interface PrecisionOptions {
  /** Let fp32 MAC ops use the tf32 peak (PyTorch `allow_tf32`, TensorRT default). Default false. */
  readonly allowTf32?: boolean;
  /**
   * Run every floating-point node as this precision instead of its graph dtype (e.g. 'int8' or 'fp8' to
   * ask "what if this fp32 model were quantised"). Bytes are rescaled by the element-size ratio. 'int4' is
   * weight-only (W4A16: 4-bit weights of the weighted MAC layers, 16-bit activations and arithmetic), and so is
   * 'int8-weight-only' with 8-bit weights (W8A16); 'fp4' is NVFP4 weights and activations on devices with FP4
   * matrix units, and weight-only FP4 elsewhere.
   */
  readonly precisionOverride?: PrecisionChoice;
  /**
   * Store the KV cache (the past key/value graph inputs) in this dtype; default: as the precision choice stores
   * activations, or as the graph stores it. Changes the cache's memory and the bytes decode attention reads.
   */
  readonly kvCacheDtype?: KvCacheDtype;
}

/**
 * The options a user's precision choice stands for: 'tf32' lets fp32 layers use the tf32 peak (as
 * PyTorch's allow_tf32 does); any other precision runs every float layer as that precision.
 */
export function precisionChoice(precision: PrecisionChoice | undefined): PrecisionOptions {
  if (precision === undefined) return {};
  return precision === 'tf32' ? { allowTf32: true } : { precisionOverride: precision };
}

/** The subset of a NodeReport precision resolution looks at. */
export interface PrecisionNode {
  readonly opType: string;
  readonly domain: string;
  readonly computeDtype: string;
  /** BigCount: number or decimal string. */
  readonly params?: number | string;
  readonly weightBytes?: number | string;
  readonly macs?: number | string;
  readonly quantization?: NodeQuantization;
}

export interface ResolvedPrecision {
  /** What the graph asks for, or null when the dtype is not arithmetic. */
  readonly requested: Precision | null;
  /** The peak figure used for the arithmetic; null when the device has none of the fallbacks. */
  readonly compute: Precision | null;
  /** Multiplier on that peak (< 1 when the precision is emulated, e.g. fp32 via 3 bf16 passes). */
  readonly peakScale: number;
  /** Bytes per weight element as the weights stream from memory. */
  readonly weightBytesPerElement: number;
  /** Bytes per activation element (inputs/outputs that are not weights). */
  readonly activationBytesPerElement: number;
  /** True when the weights are stored narrower than the compute precision (weight-only quantisation). */
  readonly weightOnlyQuantized: boolean;
  /** True when the compute precision differs from what was asked for. */
  readonly fallback: boolean;
  readonly note?: string;
}

/** Weight-only operators, for reports without the effective-precision pass (hand-written, older JSON). */
const WEIGHT_ONLY_OPS = new Set(['MatMulNBits', 'GatherBlockQuantized', 'MatMulBnb4', 'MatMulFpQ4', 'QMoE']);
/** Integer operators, likewise: they compute in int8 whatever their output dtype. */
const INT8_OPS = new Set([
  'QLinearConv', 'QLinearMatMul', 'MatMulInteger', 'ConvInteger', 'QGemm', 'QAttention', 'DynamicQuantizeMatMul',
  'MatMulIntegerToFloat', 'QOrderedMatMul',
]);

function hasPeak(device: HardwareEntry, p: Precision): boolean {
  const v = device.peakFlopsPerSecond[p];
  return v !== undefined && v.value > 0;
}

/** Formats narrower than 16 bits: either 16-bit float holds their values, so their fallback may be either. */
const NARROW_FORMATS: ReadonlySet<Precision> = new Set(['fp8', 'int8', 'fp4', 'int4']);

/**
 * `chain` with its fp16 and bf16 entries in order of the device's peak, the faster first (ties keep the chain's
 * order). A device whose fp16 rate is a quarter of its bf16 rate (Gaudi 3: 459 against 1,835 TFLOPS, catalog)
 * runs a narrow format it lacks in bf16, as its software stack's default does; fp16 first would charge 4×.
 */
function fasterSixteenBitFirst(chain: readonly Precision[], device: HardwareEntry): readonly Precision[] {
  const at = [chain.indexOf('fp16'), chain.indexOf('bf16')];
  if (at.some((i) => i < 0) || at[0] > at[1] || fasterSixteenBitFloat(device) !== 'bf16') return chain;
  const out = [...chain];
  [out[at[0]], out[at[1]]] = ['bf16', 'fp16'];
  return out;
}

/** Walk the fallback chain of `requested` on `device`. */
export function fallbackPrecision(
  requested: Precision,
  device: HardwareEntry,
  options: PrecisionOptions = {},
): { compute: Precision | null; peakScale: number } {
  let chain = FALLBACKS[requested];
  if (requested === 'fp32' && options.allowTf32) chain = ['tf32', ...chain.filter((p) => p !== 'tf32')];
  if (requested === 'fp32' && !options.allowTf32) chain = chain.filter((p) => p !== 'tf32');
  if (NARROW_FORMATS.has(requested)) chain = fasterSixteenBitFirst(chain, device);
  for (const p of chain) {
    if (hasPeak(device, p)) return { compute: p, peakScale: emulationPenalty(requested, p) };
  }
  return { compute: null, peakScale: 1 };
}

/** How a float node runs under a precision choice on `device`: the compute precision and stored widths. */
interface OverrideScheme {
  readonly requested: Precision;
  readonly weightBytesPerElement: number;
  readonly activationBytesPerElement: number;
  readonly weightOnly: boolean;
  readonly note?: string;
}

/** A MAC layer that carries weights: the layers the 4-bit choices quantise. */
function isWeightedMac(node: Pick<PrecisionNode, 'macs' | 'params'>): boolean {
  return countToNumber(node.macs) > 0 && countToNumber(node.params) > 0;
}

/** int4 and int8-weight-only are always weight-only; fp4 too where the device has no FP4 units (or is not known). */
function isWeightOnlyChoice(choice: PrecisionChoice, device?: HardwareEntry): boolean {
  return choice === 'int4' || choice === 'int8-weight-only' || (choice === 'fp4' && (device === undefined || !hasPeak(device, 'fp4')));
}

/**
 * Bytes per weight an int8 weight-only layer stores: one per weight; its per-output-channel scale (one fp16 value per
 * row of thousands of weights) is below a thousandth of that.
 */
export const INT8_WEIGHT_ONLY_BYTES = 1;

/** Stored bytes per weight of a float node under a precision choice. */
export function overrideWeightBytesPerElement(choice: PrecisionChoice, node: Pick<PrecisionNode, 'macs' | 'params'>, device?: HardwareEntry): number {
  if (choice === 'int4' || choice === 'fp4' || choice === 'int8-weight-only') {
    if (!isWeightedMac(node)) return isWeightOnlyChoice(choice, device) ? 2 : NVFP4_BYTES;
    return choice === 'int4' ? INT4_WEIGHT_BYTES : choice === 'int8-weight-only' ? INT8_WEIGHT_ONLY_BYTES : NVFP4_BYTES;
  }
  return precisionBytesPerElement(choice);
}

/**
 * Bytes an FP4 deployment stores per element of the tensors that are not FP4 GEMM operands (the KV cache,
 * attention, the residual stream): FP8; attention's own matrix products run in FP8 over them (overrideScheme). TensorRT-LLM's NVFP4 recipe quantises a GEMM's input inside the
 * kernel that produces it and keeps an FP8 KV cache (its quantization docs, 1.0: FP4 and "FP8 KV Cache";
 * an NVFP4 KV cache came later, as a separate offline recipe).
 */
export const FP4_STORED_ACTIVATION_BYTES = 1;

/**
 * Bytes per activation element of a float node under a precision choice (`node` omitted: a tensor no FP4 GEMM
 * reads, such as the KV cache).
 */
export function overrideActivationBytesPerElement(choice: PrecisionChoice, device?: HardwareEntry, node?: Pick<PrecisionNode, 'macs' | 'params'>): number {
  // int8-weight-only is a weight-only choice; testing it by name first also narrows `choice` to a Precision below.
  if (choice === 'int8-weight-only' || isWeightOnlyChoice(choice, device)) return 2;
  if (choice !== 'fp4') return precisionBytesPerElement(choice);
  return node && isWeightedMac(node) ? NVFP4_BYTES : FP4_STORED_ACTIVATION_BYTES;
}

function overrideScheme(choice: PrecisionChoice, node: PrecisionNode, device: HardwareEntry): OverrideScheme {
  const weightBytesPerElement = overrideWeightBytesPerElement(choice, node, device);
  const activationBytesPerElement = overrideActivationBytesPerElement(choice, device, node);
  if (choice !== 'int8-weight-only' && !isWeightOnlyChoice(choice, device)) {
    // FP4 is for the weighted GEMMs; attention (a MAC op without weights, over the FP8 KV cache) runs in FP8.
    const requested = choice === 'fp4' && !isWeightedMac(node) ? 'fp8' : choice;
    return { requested, weightBytesPerElement, activationBytesPerElement, weightOnly: false };
  }
  const weightOnly = isWeightedMac(node);
  const what =
    choice === 'int4'
      ? 'int4 weight-only: 4-bit weights (groups of 128), 16-bit arithmetic'
      : choice === 'int8-weight-only'
        ? 'int8 weight-only: 8-bit weights (a scale per output channel), 16-bit arithmetic'
        : `fp4: ${device.id} has no FP4 matrix units: NVFP4 weights dequantised to 16 bits (weight-only, W4A16)`;
  return { requested: fasterSixteenBitFloat(device), weightBytesPerElement, activationBytesPerElement, weightOnly, ...(weightOnly ? { note: what } : {}) };
}

/** The 16-bit float a device computes faster: bf16 where its peak is above fp16's (Gaudi 3), else fp16. */
function fasterSixteenBitFloat(device: HardwareEntry): 'bf16' | 'fp16' {
  return (device.peakFlopsPerSecond.bf16?.value ?? 0) > (device.peakFlopsPerSecond.fp16?.value ?? 0) ? 'bf16' : 'fp16';
}

/**
 * What a precision choice becomes on a device that cannot run it natively, for the model-level notes:
 * fp4 without FP4 units is weight-only FP4; another precision without its peak runs as its fallback.
 */
export function precisionChoiceNote(choice: PrecisionChoice, device: HardwareEntry): string | undefined {
  if (choice === 'int4' || choice === 'int8-weight-only' || choice === 'tf32') return undefined;
  if (choice === 'fp4' && !hasPeak(device, 'fp4')) {
    const compute = fallbackPrecision(fasterSixteenBitFloat(device), device).compute;
    return `--precision fp4: ${device.id} has no FP4 matrix units; weighted layers run weight-only (NVFP4 weights, 4.5 bits, dequantised to ${compute ?? '16-bit'} arithmetic, as vLLM's Marlin FP4 and TensorRT-LLM's Hopper path run NVFP4 checkpoints)`;
  }
  const { compute } = fallbackPrecision(choice, device);
  return compute === choice ? undefined : `--precision ${choice}: ${device.id} has no ${choice} peak; float layers run as ${compute ?? 'nothing it lists'}`;
}

/** A node whose weights are stored narrow and dequantised to the activation's precision in the kernel. */
function isWeightOnlyNode(node: PrecisionNode): boolean {
  return node.quantization ? node.quantization.via === 'weight-only' : WEIGHT_ONLY_OPS.has(node.opType);
}

/**
 * Resolve the precision a node runs in on `device`.
 *  - compute: the peak used (after fallback) for the node's effective compute dtype (the report's
 *    `computeDtype`, set by the effective-precision pass: int8 for a QDQ Conv or a QLinearConv);
 *  - weightBytesPerElement: from the report (weightBytes / params) when both are known, else from the dtype;
 *  - weight-only quantised nodes (MatMulNBits, DequantizeLinear on the weight alone...) compute at the
 *    activation dtype with narrow weights.
 */
export function resolvePrecision(node: PrecisionNode, device: HardwareEntry, options: PrecisionOptions = {}): ResolvedPrecision {
  const params = countToNumber(node.params);
  const weightBytes = countToNumber(node.weightBytes);
  const reportWeightBpe = params > 0 && weightBytes > 0 ? weightBytes / params : undefined;

  let requested = dtypeToPrecision(node.computeDtype);
  const activationBpe = dtypeBytesPerElement(node.computeDtype);
  let weightBpe = reportWeightBpe ?? activationBpe;
  let weightOnly = false;
  let note: string | undefined;

  if (isWeightOnlyNode(node)) {
    weightOnly = true;
    weightBpe = reportWeightBpe ?? 0.5;
    // The activation dtype drives the arithmetic; a narrow "computeDtype" from the producer means fp16.
    if (requested === null || !isFloat(requested)) requested = fasterSixteenBitFloat(device);
    note = `weight-only quantised: ${+(weightBpe * 8).toFixed(2)}-bit weights, ${requested} compute`;
  } else if (!node.quantization && INT8_OPS.has(node.opType)) {
    requested = 'int8';
  } else if (reportWeightBpe !== undefined && requested !== null && reportWeightBpe < precisionBytesPerElement(requested) - 1e-9) {
    // Narrow stored weights feeding a wider compute (e.g. int4 initializers dequantised on the fly).
    weightOnly = true;
  }

  let activationBytesPerElement = activationBpe;
  if (options.precisionOverride && requested !== null && isFloat(requested) && !weightOnly && !node.quantization) {
    const scheme = overrideScheme(options.precisionOverride, node, device);
    requested = scheme.requested;
    activationBytesPerElement = scheme.activationBytesPerElement;
    weightBpe = scheme.weightBytesPerElement;
    weightOnly = scheme.weightOnly;
    note = scheme.note;
  }

  if (requested === null) {
    return {
      requested: null,
      compute: null,
      peakScale: 1,
      weightBytesPerElement: weightBpe,
      activationBytesPerElement,
      weightOnlyQuantized: weightOnly,
      fallback: false,
      note: note ?? `dtype '${node.computeDtype}' is not arithmetic`,
    };
  }
  const { compute, peakScale } = fallbackPrecision(requested, device, options);
  const fallback = compute !== requested;
  if (fallback) {
    const fb = compute === null ? `no peak figure for ${requested} or its fallbacks on ${device.id}` : `${requested} runs as ${compute} on ${device.id}`;
    note = note ? `${note}; ${fb}` : fb;
  }
  return {
    requested,
    compute,
    peakScale,
    weightBytesPerElement: weightBpe,
    activationBytesPerElement,
    weightOnlyQuantized: weightOnly,
    fallback,
    note,
  };
}

function isFloat(p: Precision): boolean {
  return p === 'fp32' || p === 'fp16' || p === 'bf16' || p === 'tf32' || p === 'fp64';
}
