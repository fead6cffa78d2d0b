/**
 * The JSON report: the public, versioned contract between the core and every front end (CLI, webview,
 * exports). JSON-safe: no bigint, no class instances.
 *
 * Counts (`BigCount`) are JSON numbers while they are at most 2^53 − 1 (Number.MAX_SAFE_INTEGER) and
 * strings of decimal digits beyond that, so they stay exact (FLOPs reach 1e18). A dim (`ReportDim`) is a
 * number when static and a symbolic expression string otherwise (`"batch"`, `"sequence + past_sequence"`).
 * Described in schemas/report.schema.json (test/unit/reportSchema.test.ts holds the CLI's output to it) and the
 * README; REPORT_SCHEMA_VERSION: the minor version when a field is added, the major on a change of meaning.
 *
 * This file imports nothing: the estimates, hints and other analysis sections that the CLI's JSON adds
 * are typed by their producer (`AnalysisReport` in ../pipeline/analysisTypes.ts), so no consumer of the
 * report is imported back by it.
 */
export const REPORT_SCHEMA_VERSION = '1.7.0';

export type BigCount = number | string;

/** Exact JSON form of a count: a number up to 2^53 − 1, a digit string beyond. */
export function bigCount(value: bigint): BigCount {
  return value <= MAX_SAFE && value >= MIN_SAFE ? Number(value) : value.toString();
}

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);
const MIN_SAFE = BigInt(Number.MIN_SAFE_INTEGER);

/** Reads a BigCount as a float (exact up to 2^53; absent counts as 0), for estimates and ratios. */
export function countToNumber(value: BigCount | undefined): number {
  if (value === undefined) return 0;
  return typeof value === 'number' ? value : Number(value);
}
export type ReportDim = number | string;

export interface TensorSummary {
  readonly name: string;
  /** ONNX type name in lower case (`float`, `float16`, `int8`), or `unknown`. */
  readonly dtype: string;
  /** null when even the rank is unknown. */
  readonly shape: readonly ReportDim[] | null;
}

export interface NodeReport {
  readonly index: number;
  readonly name: string;
  readonly opType: string;
  /** '' for the default ONNX domain. */
  readonly domain: string;
  /** '' for the main graph; `Loop_3/body/` for nodes inside subgraphs (their cost is in the parent too). */
  readonly graphPath: string;
  /** Module scope from the node name (`/model/layers.3/mlp`), '' when the name has none. */
  readonly scope: string;
  /** 'costed' | 'unknown-cost' (a rule exists, input shapes are unknown) | 'uncovered' (no rule). */
  readonly status: 'costed' | 'unknown-cost' | 'uncovered';
  readonly flops: BigCount;
  readonly macs: BigCount;
  /** Symbolic form of flops when it depends on unbound dims (evaluated with them as 1 in `flops`). */
  readonly flopsExpression?: string;
  readonly params: BigCount;
  readonly weightBytes: BigCount;
  readonly bytesRead: BigCount;
  readonly bytesWritten: BigCount;
  /** flops / (bytesRead + bytesWritten); null when no bytes move. */
  readonly arithmeticIntensity: number | null;
  /**
   * The dtype the node computes in: its effective precision (analysis/effectivePrecision.ts), so a Conv between
   * DequantizeLinear and QuantizeLinear of int8 tensors says int8; `quantization` keeps the graph's own dtype.
   */
  readonly computeDtype: string;
  readonly inputs: readonly string[];
  readonly outputs: readonly TensorSummary[];
  readonly notes: readonly string[];
  /** Present when the node's precision comes from quantization rather than its tensors' dtypes. */
  readonly quantization?: NodeQuantization;
  /** A convolution's matrix product per group, when its channels and kernel are known numbers. */
  readonly convGroups?: ConvGroups;
}

/**
 * A convolution as the implicit GEMM a matrix unit runs: `groups` independent products, each with
 * `outputChannelsPerGroup` columns and a reduction of `inputChannelsPerGroup` × `taps` (filter positions).
 * The estimator pads narrow groups to its matrix instruction (estimate/matrixTiles.ts).
 */
export interface ConvGroups {
  readonly groups: number;
  readonly outputChannelsPerGroup: number;
  readonly inputChannelsPerGroup: number;
  readonly taps: number;
}

/** How a node's effective precision was found (analysis/effectivePrecision.ts). */
export interface NodeQuantization {
  /**
   * 'qdq': its operands come through DequantizeLinear (and its results go to QuantizeLinear): it runs quantized
   * once a runtime fuses the pattern; 'quantized-op': an integer or FP8 operator (QLinearConv, MatMulInteger,
   * QGemm, GemmFloat8...); 'weight-only': narrow stored weights, arithmetic at the activation's precision
   * (MatMulNBits, QMoE, GatherBlockQuantized, DequantizeLinear on the weight alone).
   */
  readonly via: 'qdq' | 'quantized-op' | 'weight-only';
  /** Stored dtype of the weights it multiplies (int8, int4, float8e4m3fn, float4e2m1), when known. */
  readonly weightDtype?: string;
  /** Bits per stored weight value, scales not included. */
  readonly weightBits?: number;
  /** Scale granularity of those weights: 'per-tensor', 'per-channel', 'block 32 (MXFP4)'... */
  readonly weightScales?: string;
  /** The quantized dtype its activations arrive in. */
  readonly activationDtype?: string;
  /** The compute dtype as the graph is written: what the node runs in when the graph is executed as exported. */
  readonly graphComputeDtype: string;
  /**
   * True when the precision comes from DequantizeLinear/QuantizeLinear around the node: it holds once a
   * runtime fuses them (the default execution model); executed as exported, the node runs in graphComputeDtype.
   */
  readonly fromQdq?: boolean;
}

export interface OpTypeSummary {
  readonly opType: string;
  readonly domain: string;
  readonly count: number;
  readonly flops: BigCount;
  readonly macs: BigCount;
  readonly params: BigCount;
  readonly bytesRead: BigCount;
  readonly bytesWritten: BigCount;
  /** Share of total flops, 0..1. */
  readonly flopsShare: number;
}

export interface ModuleNode {
  /** Scope segment (`layers.3`); the root is ''. */
  readonly name: string;
  readonly path: string;
  readonly nodeCount: number;
  readonly flops: BigCount;
  readonly macs: BigCount;
  readonly params: BigCount;
  readonly bytesRead: BigCount;
  readonly bytesWritten: BigCount;
  readonly children: readonly ModuleNode[];
}

export interface ReportDiagnostic {
  readonly severity: 'error' | 'warning' | 'info';
  readonly code: string;
  readonly message: string;
  readonly node?: string;
}

/** One mixture-of-experts layer of the report's `moe` section. */
export interface MoeLayerReport {
  /** Module scope of the layer (`/model/layers.3/moe`), or its router's name. */
  readonly name: string;
  /** Indices of the layer's router, routed-expert and shared-expert nodes. */
  readonly nodes: readonly number[];
  /** fused: one com.microsoft MoE/QMoE/ShardedMoE node; sparse: top-k dispatch in the graph; dense: every expert runs on every token. */
  readonly kind: 'fused' | 'sparse' | 'dense';
  readonly experts: number;
  /** Present when the graph holds only some of the experts: one rank of expert parallelism (ShardedMoE). */
  readonly expertsHeld?: number;
  readonly topK: number;
  /** Experts every token runs besides its top-k (DeepSeek's shared expert). */
  readonly sharedExperts: number;
  readonly paramsPerExpert: BigCount;
  /** Stored weight bytes of one routed expert (packed 4-bit: half a byte per weight plus its scales). */
  readonly weightBytesPerExpert: BigCount;
  readonly sharedExpertParams: BigCount;
  /** The weighted MatMul/Gemm computing the router logits; null when the graph takes router scores as an input. */
  readonly routerNode: number | null;
  /** Tokens routed per call under the report's bindings (unbound dims as 1); null when unknown. */
  readonly tokens: number | null;
  readonly expertFlopsExecuted: BigCount;
  readonly expertFlopsSparse: BigCount;
}

/** The model's mixture-of-experts layers; present exactly when the model has one. */
export interface MoeReport {
  readonly layers: readonly MoeLayerReport[];
  /** Routed experts per MoE layer (the largest, when layers differ). */
  readonly experts: number;
  readonly topK: number;
  readonly sharedExperts: number;
  /** All parameters of the model (= totals.params). */
  readonly totalParams: BigCount;
  /** Parameters one token touches: every weight but the (experts − topK) routed experts it skips in each MoE layer. */
  readonly activeParamsPerToken: BigCount;
  /** Parameters of all routed experts of all MoE layers (those the graph holds). */
  readonly expertParams: BigCount;
  /** Routed-expert FLOPs per call of the graph as exported (a dense export runs every expert on every token). */
  readonly expertFlopsExecuted: BigCount;
  /** Routed-expert FLOPs per call under top-k dispatch: tokens × topK × one expert's FLOPs per token. */
  readonly expertFlopsSparse: BigCount;
}

export interface ProfileReport {
  readonly schemaVersion: string;
  readonly tool: { readonly name: string; readonly version: string };
  readonly model: {
    readonly path: string;
    readonly fileBytes: number;
    readonly irVersion: number;
    readonly producer: string;
    readonly producerVersion: string;
    /** Opset per domain; the default domain is 'ai.onnx'. */
    readonly opsets: Readonly<Record<string, number>>;
    readonly metadata: Readonly<Record<string, string>>;
  };
  /** Dims bound by the user, and symbols still unbound (counted as 1 in numeric totals). */
  readonly bindings: Readonly<Record<string, number>>;
  readonly unboundSymbols: readonly string[];
  /** Dims the analysis bound for the user, in `bindings` too: a decoder's total length as past + sequence. */
  readonly derivedBindings?: Readonly<Record<string, number>>;
  readonly totals: {
    readonly flops: BigCount;
    readonly macs: BigCount;
    readonly params: BigCount;
    readonly weightBytes: BigCount;
    /** Weight bytes per dtype name. */
    readonly weightBytesByDtype: Readonly<Record<string, BigCount>>;
    readonly bytesRead: BigCount;
    readonly bytesWritten: BigCount;
    readonly peakActivationBytes: BigCount;
    /** Symbolic total flops when dims are unbound. */
    readonly flopsExpression?: string;
  };
  readonly coverage: {
    readonly nodes: number;
    readonly costedNodes: number;
    readonly unknownCostNodes: number;
    readonly uncoveredNodes: number;
    /** costedNodes / nodes × 100, one decimal. */
    readonly percent: number;
    readonly uncoveredOpTypes: readonly { readonly opType: string; readonly domain: string; readonly count: number }[];
  };
  readonly graphInputs: readonly TensorSummary[];
  readonly graphOutputs: readonly TensorSummary[];
  readonly nodes: readonly NodeReport[];
  readonly opTypes: readonly OpTypeSummary[];
  readonly modules: ModuleNode;
  readonly diagnostics: readonly ReportDiagnostic[];
  /** Mixture-of-experts layers, total and active parameters; absent for a model without MoE. */
  readonly moe?: MoeReport;
}
