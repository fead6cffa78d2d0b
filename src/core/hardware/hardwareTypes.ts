/**
 * A hardware target in the catalog. Every figure carries its unit in its name and a source.
 * Peak FLOP/s are DENSE figures: a vendor's 2:4-sparse number is never stored here.
 */
export type DeviceClass = 'gpu' | 'accelerator' | 'edge';

/** Precisions a peak figure can be given for. `int4` and `fp4` are separate (NVIDIA Blackwell has fp4, not int4). */
export type Precision = 'fp64' | 'fp32' | 'tf32' | 'bf16' | 'fp16' | 'fp8' | 'int8' | 'int4' | 'fp4';

export interface SourceRef {
  /** Where the figure comes from: a vendor datasheet, spec page or price page. */
  readonly url: string;
  /** When it was read (YYYY-MM-DD). */
  readonly retrieved: string;
  /** What the source says, or why a figure was derived (e.g. "sparse 1979 TFLOPS halved"). */
  readonly note?: string;
}

/** One number with its own source. */
export interface SourcedValue {
  readonly value: number;
  readonly source: SourceRef;
}

export interface HourlyPrice {
  readonly usdPerHour: number;
  /** e.g. 'AWS p5.48xlarge on-demand us-east-1, per GPU'. */
  readonly provider: string;
  readonly source: SourceRef;
}

/**
 * What published micro-benchmarks measured on a device, as opposed to its datasheet peaks. These set the
 * estimator's efficiencies for that device (achieved / peak, `efficiencyFor` in estimate/roofline.ts); a
 * figure absent here falls back to the class default. Never fitted to end-to-end results such as MLPerf,
 * which are what the estimator is validated against.
 */
export interface AchievedRates {
  /** Best dense GEMM rate a vendor library reached on large shapes (cuBLASLt, hipBLASLt...), per precision, FLOP/s. */
  readonly matrixFlopsPerSecond?: Partial<Record<Precision, SourcedValue>>;
  /** DRAM bandwidth a streaming kernel reached (STREAM / BabelStream copy or triad), bytes per second. */
  readonly memoryBandwidthBytesPerSecond?: SourcedValue;
  /** Fixed cost of one kernel launch as measured, seconds. */
  readonly kernelLaunchSeconds?: SourcedValue;
  /**
   * Bus bandwidth of a large all-reduce across the device's scale-up link (nccl-tests / rccl-tests `busbw`,
   * bytes per second): the per-direction link rate the collective sustained.
   */
  readonly allReduceBusBytesPerSecond?: SourcedValue;
  /**
   * A vendor library's GEMM rate over a range of sizes, per precision (the Azure AI benchmarking guide's cuBLASLt /
   * hipBLASLt sweeps): how fast the matrix units fill, from which the estimator takes its size curve.
   */
  readonly gemmSizeSweep?: Partial<Record<Precision, GemmSizeSweep>>;
}

/** One measured GEMM: C[m×n] = A[m×k] · B[k×n] at `flopsPerSecond` (2·m·n·k / time). */
export interface GemmSweepPoint {
  readonly m: number;
  readonly n: number;
  readonly k: number;
  readonly flopsPerSecond: number;
}

export interface GemmSizeSweep {
  readonly points: readonly GemmSweepPoint[];
  readonly source: SourceRef;
}

export interface HardwareEntry {
  /** Stable id used on the command line and in settings: `h100-sxm`, `tpu-v5e`, `inferentia2`. */
  readonly id: string;
  readonly name: string;
  readonly vendor: string;
  readonly deviceClass: DeviceClass;
  /**
   * Matrix-unit generation (a key of ARCHITECTURES in architectures.ts): which precisions the device must list,
   * which it cannot have, and the fixed ratios between its dense peaks. Every built-in entry names one.
   */
  readonly architecture?: string;
  /**
   * Id of another device with the same silicon, unit count and clocks (H200 and H100 SXM): every peak of the two
   * must agree. Differences are in memory, power or interconnect only.
   */
  readonly sameComputeAs?: string;
  /** Dense peak per precision, in FLOP/s (or OP/s for integer types). Absent = the hardware lacks it (checked against `architecture`). */
  readonly peakFlopsPerSecond: Partial<Record<Precision, SourcedValue>>;
  readonly memoryBytes: SourcedValue;
  readonly memoryBandwidthBytesPerSecond: SourcedValue;
  /**
   * The last-level on-chip cache all cores share (the L2 of an NVIDIA GPU): a tensor one kernel writes and later
   * kernels read stays in it when it fits (docs/estimator.md, "L2 residency between kernels").
   */
  readonly lastLevelCacheBytes?: SourcedValue;
  /** On-chip SRAM where the design relies on it (Groq, Cerebras): capacity and bandwidth. */
  readonly onChipSramBytes?: SourcedValue;
  readonly onChipSramBandwidthBytesPerSecond?: SourcedValue;
  /**
   * Board / module power (TDP or TBP). Absent where the vendor publishes none (Google TPUs after v4,
   * AWS Inferentia/Trainium, SambaNova SN40L): a made-up wattage would be worse than none.
   */
  readonly powerWatts?: SourcedValue;
  /** Chip-to-chip bandwidth per device, both directions added (NVLink, ICI, NeuronLink...). */
  readonly interconnectBytesPerSecond?: SourcedValue;
  /** On-demand price of one device-hour; absent where none is public. */
  readonly price?: HourlyPrice;
  /** Published micro-benchmark results on this device (see AchievedRates). */
  readonly achieved?: AchievedRates;
  /** Where sources disagree: the other figure and where it appears. */
  readonly notes?: readonly string[];
}
