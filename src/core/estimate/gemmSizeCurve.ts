/**
 * How fast a device's matrix units fill, from a published GEMM size sweep (catalog `achieved.gemmSizeSweep`):
 * the compute rate a GEMM of F FLOPs reaches, relative to the largest GEMMs', as the estimator's roofline needs it.
 *
 * A sweep times whole kernels back to back (launches overlap the previous kernel), so each point is turned back
 * into the compute time the roofline would need to reproduce it: time = (compute² + memory²)^½ (roofline.ts,
 * `kernelSeconds` with p = 2), so compute = (time² − memory²)^½, memory being the GEMM's operands and 16-bit
 * result over the device's achieved bandwidth. Points whose memory time is over half their time say little about
 * the matrix units and are left out. A larger GEMM of the same library is never slower per FLOP, so each point's
 * rate is capped by every larger point's (a running minimum from the largest down), and the curve is that rate
 * over the largest point's: 1 at the top. docs/estimator.md, "Size curve".
 *
 * Pure: no I/O.
 */
import type { GemmSizeSweep, Precision } from '../hardware/hardwareTypes';
import { precisionBytesPerElement } from './precision';

/** Bytes per element of a sweep's result (a 16-bit output, as the sweeps' FP8 and FP4 GEMMs write). */
const SWEEP_RESULT_BYTES = 2;
/**
 * A point whose memory time is more than this share of its kernel time is left out: its compute time, the
 * difference of two close squares, would rest on the bandwidth figure, and such a shape (802816×192×768) is slow
 * for its narrow tiles, not its size.
 */
const MAX_MEMORY_SHARE = 0.5;

export interface SizeCurvePoint {
  readonly flops: number;
  /** Compute rate at this size (capped by every larger point's) ÷ the largest point's: 0..1, non-decreasing in flops. */
  readonly relative: number;
}

/** What turning a sweep into compute rates needs to know about the device that ran it. */
export interface SweepDevice {
  readonly bandwidthBytesPerSecond: number;
}

/** The compute rate each measured GEMM implies, sorted by FLOPs; memory-heavy points left out. */
function computeRates(sweep: GemmSizeSweep, precision: Precision, device: SweepDevice): { flops: number; rate: number }[] {
  const operandBytes = precisionBytesPerElement(precision);
  const rates: { flops: number; rate: number }[] = [];
  for (const { m, n, k, flopsPerSecond } of sweep.points) {
    const flops = 2 * m * n * k;
    const kernelSeconds = flops / flopsPerSecond;
    const memorySeconds = ((m * k + k * n) * operandBytes + m * n * SWEEP_RESULT_BYTES) / device.bandwidthBytesPerSecond;
    if (memorySeconds > kernelSeconds * MAX_MEMORY_SHARE) continue;
    const computeSeconds = Math.sqrt(kernelSeconds * kernelSeconds - memorySeconds * memorySeconds);
    rates.push({ flops, rate: flops / computeSeconds });
  }
  return rates.sort((a, b) => a.flops - b.flops);
}

/** A sweep's size curve on the device that measured it; undefined when fewer than two points are compute-bound. */
export function sizeCurve(sweep: GemmSizeSweep, precision: Precision, device: SweepDevice): SizeCurvePoint[] | undefined {
  const rates = computeRates(sweep, precision, device);
  if (rates.length < 2) return undefined;
  const capped = [...rates];
  for (let i = capped.length - 2; i >= 0; i--) capped[i] = { ...capped[i], rate: Math.min(capped[i].rate, capped[i + 1].rate) };
  const top = capped[capped.length - 1].rate;
  return capped.map(({ flops, rate }) => ({ flops, relative: rate / top }));
}

/**
 * The curve's relative rate at `flops`: interpolated in log FLOPs between points, the first point's below them
 * and the last's above.
 */
export function curveRelative(curve: readonly SizeCurvePoint[], flops: number): number {
  const first = curve[0];
  const last = curve[curve.length - 1];
  if (flops <= first.flops) return first.relative;
  if (flops >= last.flops) return last.relative;
  const upper = curve.findIndex((p) => p.flops >= flops);
  const lo = curve[upper - 1];
  const hi = curve[upper];
  const t = Math.log(flops / lo.flops) / Math.log(hi.flops / lo.flops);
  return lo.relative + t * (hi.relative - lo.relative);
}
