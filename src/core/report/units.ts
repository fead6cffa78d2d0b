import type { BigCount } from './reportTypes';

const DECIMAL_PREFIXES = ['', 'K', 'M', 'G', 'T', 'P', 'E', 'Z'];
const BINARY_PREFIXES = ['', 'Ki', 'Mi', 'Gi', 'Ti', 'Pi', 'Ei'];

/** `4.09 G` style: three significant digits with a decimal prefix (1 G = 1e9). */
export function formatScaled(value: BigCount | number, unit: string): string {
  const v = typeof value === 'string' ? Number(value) : value;
  if (!Number.isFinite(v)) return `? ${unit}`;
  let i = 0;
  let x = Math.abs(v);
  while (x >= 1000 && i < DECIMAL_PREFIXES.length - 1) {
    x /= 1000;
    i++;
  }
  const digits = x >= 100 || i === 0 ? 0 : x >= 10 ? 1 : 2;
  const suffix = `${DECIMAL_PREFIXES[i]}${unit}`;
  // No prefix and no unit: no trailing space ("9 output tokens/s", not "9  output tokens/s").
  return `${v < 0 ? '-' : ''}${x.toFixed(digits)}${suffix ? ` ${suffix}` : ''}`;
}

/** Bytes in decimal (GB = 1e9) or binary (GiB = 2^30) units. */
export function formatBytes(value: BigCount | number, binary = false): string {
  if (!binary) return formatScaled(value, 'B');
  let x = typeof value === 'string' ? Number(value) : value;
  let i = 0;
  while (x >= 1024 && i < BINARY_PREFIXES.length - 1) {
    x /= 1024;
    i++;
  }
  return `${x.toFixed(i === 0 ? 0 : 2)} ${BINARY_PREFIXES[i]}B`;
}

/** Seconds as s, ms, µs or ns. */
export function formatSeconds(seconds: number): string {
  if (!Number.isFinite(seconds)) return '—';
  if (seconds >= 1) return `${seconds.toFixed(2)} s`;
  if (seconds >= 1e-3) return `${(seconds * 1e3).toFixed(2)} ms`;
  if (seconds >= 1e-6) return `${(seconds * 1e6).toFixed(2)} µs`;
  return `${(seconds * 1e9).toFixed(0)} ns`;
}

/** Joules as J or mJ, two decimals. */
export function formatJoules(joules: number): string {
  return joules < 1 ? `${(joules * 1000).toFixed(2)} mJ` : `${joules.toFixed(2)} J`;
}

/** US dollars: three decimals below $10, whole dollars above. */
export function formatUsd(usd: number): string {
  return `$${usd < 10 ? usd.toFixed(3) : usd.toFixed(0)}`;
}

/**
 * A part of a whole as a percentage without its sign: whole percents from 10% up, one decimal below, so that a
 * small saving reads "0.4", not "0"; "<0.1" for what rounds away.
 */
export function formatPercent(fraction: number): string {
  const p = Math.abs(fraction) * 100;
  if (!Number.isFinite(p)) return '?';
  if (p === 0) return '0';
  return p >= 9.95 ? p.toFixed(0) : p >= 0.05 ? p.toFixed(1) : '<0.1';
}

export function formatShape(shape: readonly (number | string)[] | null): string {
  return shape === null ? '?' : `[${shape.join(', ')}]`;
}

/** `name` as a message shows it: whole up to `max` characters, else its start and an ellipsis (a crafted file may use thousands). */
export function shortName(name: string, max = 48): string {
  return name.length > max ? `${name.slice(0, max - 1)}…` : name;
}
