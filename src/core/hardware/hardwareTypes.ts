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

export interface HardwareEntry {
  /** Stable id used on the command line and in settings: `h100-sxm`, `tpu-v5e`, `inferentia2`. */
  readonly id: string;
  readonly name: string;
  readonly vendor: string;
  readonly deviceClass: DeviceClass;
  /** Dense peak per precision, in FLOP/s (or OP/s for integer types). Absent = unsupported. */
  readonly peakFlopsPerSecond: Partial<Record<Precision, SourcedValue>>;
  readonly memoryBytes: SourcedValue;
  readonly memoryBandwidthBytesPerSecond: SourcedValue;
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
  /** Where sources disagree: the other figure and where it appears. */
  readonly notes?: readonly string[];
}
