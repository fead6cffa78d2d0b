/**
 * How much of each matrix instruction a convolution's groups fill. Pure: no I/O.
 *
 * A matrix unit multiplies fixed-size tiles: one NVIDIA tensor-core instruction computes 8 output columns over a
 * reduction of 256 bits of each operand row (PTX `mma.m16n8k16` for 16-bit operands, `m16n8k32` for 8-bit), one
 * AMD CDNA 3 MFMA 16 columns (`v_mfma_f32_16x16x16_f16`, `v_mfma_i32_16x16x32_i8`), a TPU MXU or a NeuronCore Tensor
 * Engine a systolic array of 128 (TPU v6e and later: 256) columns by as many rows; the architecture table
 * (architectures.json, `matrixInstruction`) holds the shapes with their sources. A convolution runs as an implicit
 * GEMM per group: the group's output channels are the columns, its input channels times the filter's taps the
 * reduction. Columns of two groups cannot share an instruction (their reductions read different channels), so a
 * group narrower than the instruction leaves the rest of it multiplying zeros: ResNeXt's 32 groups of 4 channels
 * fill half of each 8-column tensor-core instruction, a depth-wise filter (one channel per group) one eighth of it.
 *
 * The reduction depends on how the kernel walks the filter. CUTLASS's implicit GEMM gives each slice of the
 * reduction "one filter position and an interval of channels" (media/docs/implicit_gemm_convolution.md), so on an
 * architecture whose table says so (`groupReductionPerTap`: NVIDIA's) a grouped convolution's slice holds one tap's
 * channels of one group: 4 channels fill 4 of an INT8 instruction's 32 values. A dense convolution with few input
 * channels (an RGB stem) packs several taps into one slice instead (the fixed- and few-channels iterators:
 * kFilterPositionsPerTile = tile width / channels), and where the walk is not documented the taps are counted as
 * packed too, the most a kernel can pack: the reduction is the channels times the taps, padded once. Depth-wise
 * convolutions fill so little that the vector units win (the estimator compares both, roofline.ts), as CUTLASS's
 * depth-wise kernels run on them (OpClassSimt).
 */
import { ARCHITECTURES, type MatrixInstruction } from '../hardware/architectures';
import type { HardwareEntry, Precision } from '../hardware/hardwareTypes';
import type { ConvGroups } from '../report/reportTypes';

/** A convolution's fill of one matrix instruction at `precision`, with the instruction it was measured against. */
export interface InstructionFill {
  /** Useful multiply-accumulates over those the padded instructions perform, in (0, 1]. */
  readonly fraction: number;
  readonly columns: number;
  readonly reduction: number;
}

/** The device architecture's smallest matrix instruction, when the table lists one. */
export function matrixInstructionOf(device: Pick<HardwareEntry, 'architecture'>): MatrixInstruction | undefined {
  return device.architecture ? ARCHITECTURES[device.architecture]?.matrixInstruction : undefined;
}

/**
 * The fill of `instruction` by one group's product at `precision`; undefined when the instruction has no shape
 * for that precision (the matrix peak is then not a tensor-core figure: FP32 on a GPU runs on the CUDA cores).
 */
export function instructionFill(groups: ConvGroups, instruction: MatrixInstruction, precision: Precision): InstructionFill | undefined {
  const reduction = instruction.reduction[precision];
  if (reduction === undefined) return undefined;
  const columns = instruction.columns;
  // Per slice of the reduction: one tap's channels of a group, or the channels over all the taps.
  const perTap = groups.groups > 1 && instruction.groupReductionPerTap !== undefined;
  const k = perTap ? groups.inputChannelsPerGroup : groups.inputChannelsPerGroup * groups.taps;
  const fraction = (groups.outputChannelsPerGroup / roundUp(groups.outputChannelsPerGroup, columns)) * (k / roundUp(k, reduction));
  return { fraction, columns, reduction };
}

function roundUp(value: number, multiple: number): number {
  return Math.ceil(value / multiple) * multiple;
}

/** A grouped convolution with one input channel per group. */
export function isDepthwise(groups: ConvGroups): boolean {
  return groups.groups > 1 && groups.inputChannelsPerGroup === 1;
}

/** "32 groups of 4 → 4 channels", "32 groups of one input channel (depth-wise)", "64 output channels over 147 inputs". */
export function describeGroups(groups: ConvGroups): string {
  if (groups.groups === 1) return `${groups.outputChannelsPerGroup} output channels over ${groups.inputChannelsPerGroup * groups.taps} inputs`;
  if (isDepthwise(groups)) return `${groups.groups} groups of one input channel (depth-wise)`;
  return `${groups.groups} groups of ${groups.inputChannelsPerGroup} → ${groups.outputChannelsPerGroup} channels`;
}
