/**
 * Matrix-unit generations and what they imply about a device's peak figures. A device names its architecture
 * (`HardwareEntry.architecture`); the validator (catalog.ts) then checks that:
 *
 *   - every precision the architecture computes natively has a dense peak (a missing figure would make the
 *     estimator fall back to another precision, e.g. FP32 work on an H200 running as emulated BF16);
 *   - no precision the hardware lacks is listed (an FP8 figure on an Ampere card is a datasheet misread);
 *   - the peaks keep the per-clock ratios the matrix units are built with (on Hopper, FP8 = INT8 = 2 x FP16 =
 *     4 x TF32 per SM per clock), so one mistyped or sparse figure stands out against the others.
 *
 * Devices of one architecture differ in unit count and clock, not in these ratios. Where a product line changes
 * a ratio (GeForce cards run FP16 with FP32 accumulation at half rate; Blackwell Ultra trades INT8 and FP64 for
 * FP4), it is its own entry here. Each rule cites the architecture document it comes from; the catalog's device
 * datasheets (each figure sourced in catalog.json) show the same ratios. A rule whose architecture document gives no
 * table cites the datasheet or published measurement that shows the ratio.
 */
import architecturesJson from './architectures.json';
import type { Precision, SourceRef } from './hardwareTypes';

/** peak[precision] = ratio x peak[of], within RATIO_TOLERANCE. */
export interface PeakRatio {
  readonly precision: Precision;
  readonly of: Precision;
  readonly ratio: number;
}

export interface ArchitectureSpec {
  readonly name: string;
  /** Precisions every device of this architecture must list a dense peak for. */
  readonly required: readonly Precision[];
  /** Precisions the hardware has no native support for: a device listing one is in error. */
  readonly absent: readonly Precision[];
  /** Fixed per-clock ratios between dense peaks (checked when both figures are present). */
  readonly ratios: readonly PeakRatio[];
  /** The architecture document the rules come from. */
  readonly source: SourceRef;
  /** The smallest matrix instruction, where documented (estimate/matrixTiles.ts pads narrow groups to it). */
  readonly matrixInstruction?: MatrixInstruction;
}

/**
 * One matrix-unit instruction: `columns` output columns (its n) over a reduction of `reduction[precision]`
 * values per operand row (its k), per precision the matrix unit computes; for a systolic array (TPU MXU,
 * NeuronCore Tensor Engine), its columns and its rows.
 */
export interface MatrixInstruction {
  readonly columns: number;
  readonly reduction: Readonly<Partial<Record<Precision, number>>>;
  readonly source: SourceRef;
  /**
   * Present where the architecture's convolution kernels are documented to fill each slice of a grouped
   * convolution's reduction with one filter tap's channels (CUTLASS); elsewhere taps are counted as packed.
   */
  readonly groupReductionPerTap?: { readonly source: SourceRef };
}

/**
 * The rules, one entry per architecture, are data (architectures.json) so that the catalog page generator reads
 * them too. Datasheets round to two or three significant digits (HGX B200: TF32 1.1 PFLOPS where half of FP16 is
 * 1.125), so ratios are checked within `ratioTolerance` (4%); a sparse figure stored as dense is off by 100%, a
 * misread precision by 50% or more.
 */
export const RATIO_TOLERANCE: number = architecturesJson.ratioTolerance;

export const ARCHITECTURES: Readonly<Record<string, ArchitectureSpec>> = architecturesJson.architectures as unknown as Record<string, ArchitectureSpec>;

export const ARCHITECTURE_IDS: readonly string[] = Object.keys(ARCHITECTURES);

/** Problems with one entry's peaks under its architecture's rules; [] when consistent. */
export function checkArchitecture(label: string, architecture: string, peaks: Readonly<Record<string, { value?: unknown } | undefined>>): string[] {
  const spec = ARCHITECTURES[architecture];
  if (!spec) return [`${label}: unknown architecture "${architecture}" (expected one of ${ARCHITECTURE_IDS.join(', ')})`];
  const problems: string[] = [];
  const value = (p: Precision): number | undefined => {
    const v = peaks[p]?.value;
    return typeof v === 'number' && Number.isFinite(v) && v > 0 ? v : undefined;
  };
  for (const p of spec.required) {
    if (value(p) === undefined) {
      problems.push(`${label}: ${spec.name} computes ${p} natively but the entry lists no ${p} peak (the estimator would fall back to another precision)`);
    }
  }
  for (const p of spec.absent) {
    if (peaks[p] !== undefined) problems.push(`${label}: ${spec.name} has no ${p} hardware, yet the entry lists a ${p} peak`);
  }
  for (const { precision, of, ratio } of spec.ratios) {
    const a = value(precision);
    const b = value(of);
    if (a === undefined || b === undefined) continue;
    const actual = a / b;
    if (Math.abs(actual / ratio - 1) > RATIO_TOLERANCE) {
      problems.push(`${label}: ${precision} peak is ${fmt(actual)} x the ${of} peak; ${spec.name} runs ${precision} at ${fmt(ratio)} x ${of} per clock (a sparse, emulated or mistyped figure?)`);
    }
  }
  return problems;
}

function fmt(x: number): string {
  return Number(x.toPrecision(3)).toString();
}
