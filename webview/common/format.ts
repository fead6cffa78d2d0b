import type { BigCount } from '../../src/core/report/reportTypes';
import { formatBytes, formatScaled } from '../../src/core/report/units';

export { formatBytes, formatScaled };

/** BigCount → number (approximate beyond 2^53; fine for sorting and charts). */
export function num(v: BigCount | null | undefined): number {
  if (v === null || v === undefined) return 0;
  const n = typeof v === 'number' ? v : Number(v);
  return Number.isFinite(n) ? n : 0;
}

/** Exact decimal with thousands separators (strings of digits stay exact). */
export function exact(v: BigCount | null | undefined): string {
  if (v === null || v === undefined) return '—';
  const str = typeof v === 'number' ? (Number.isInteger(v) ? String(v) : v.toPrecision(6)) : String(v);
  return /^-?\d+$/.test(str) ? str.replace(/\B(?=(\d{3})+(?!\d))/g, ',') : str;
}

export function bytes(v: BigCount | number, binary: boolean): string {
  return formatBytes(v, binary);
}

export function percent(fraction: number, digits = 1): string {
  return Number.isFinite(fraction) ? `${(fraction * 100).toFixed(digits)} %` : '—';
}

export function usd(v: number | null | undefined): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return 'n/a';
  if (v >= 1000) return `$${formatScaled(v, '').trim()}`;
  if (v >= 1) return `$${v.toFixed(2)}`;
  return `$${v.toPrecision(3)}`;
}

/** Joules with sub-unit prefixes too (mJ, µJ): inference energies are often far below 1 J. */
export function joules(v: number): string {
  if (!Number.isFinite(v)) return '—';
  if (v === 0 || Math.abs(v) >= 1) return formatScaled(v, 'J');
  const units: [number, string][] = [
    [1e-3, 'mJ'],
    [1e-6, 'µJ'],
    [1e-9, 'nJ'],
  ];
  for (const [scale, unit] of units) {
    if (Math.abs(v) >= scale) {
      const x = v / scale;
      return `${x.toFixed(x >= 100 ? 0 : x >= 10 ? 1 : 2)} ${unit}`;
    }
  }
  return `${(v / 1e-12).toFixed(0)} pJ`;
}

/** Three significant digits without trailing zeros' noise: 217, 20.4, 3.11, 0.0512; k/M/G above 1000. */
export function sig3(v: number): string {
  if (!Number.isFinite(v)) return '—';
  if (Math.abs(v) >= 1000) return formatScaled(v, '').trim();
  if (v === 0) return '0';
  return String(Number(v.toPrecision(3)));
}

/** Seconds in three significant digits with the unit that keeps them short: "11.3 ms", "958 µs", "1.22 s". */
export function compactSeconds(s: number): string {
  if (!Number.isFinite(s)) return '—';
  const a = Math.abs(s);
  if (a >= 1 || a === 0) return `${sig3(s)} s`;
  if (a >= 1e-3) return `${sig3(s * 1e3)} ms`;
  if (a >= 1e-6) return `${sig3(s * 1e6)} µs`;
  return `${sig3(s * 1e9)} ns`;
}

/** Joules in three significant digits (sub-joule values in mJ/µJ as `joules` does). */
export function compactJoules(v: number): string {
  if (!Number.isFinite(v)) return '—';
  return Math.abs(v) >= 1 && Math.abs(v) < 1000 ? `${sig3(v)} J` : joules(v);
}
