import { Expr } from './expr';
import { type KnownValue, MAX_KNOWN_VALUE_ELEMENTS } from './tensorInfo';

/** Broadcast dims of known values (all static). */
export function broadcastStaticDims(a: readonly number[], b: readonly number[]): number[] | undefined {
  const rank = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let i = 0; i < rank; i++) {
    const x = a[a.length - rank + i] ?? 1;
    const y = b[b.length - rank + i] ?? 1;
    if (x !== y && x !== 1 && y !== 1) return undefined;
    out.push(x === 1 ? y : x);
  }
  return out;
}

function indexInto(dims: readonly number[], outDims: readonly number[], flat: number): number {
  let index = 0;
  let stride = 1;
  let rest = flat;
  const coords: number[] = new Array(outDims.length);
  for (let i = outDims.length - 1; i >= 0; i--) {
    coords[i] = rest % outDims[i];
    rest = Math.floor(rest / outDims[i]);
  }
  for (let i = dims.length - 1; i >= 0; i--) {
    const c = coords[outDims.length - dims.length + i];
    index += (dims[i] === 1 ? 0 : c) * stride;
    stride *= dims[i];
  }
  return index;
}

function count(dims: readonly number[]): number {
  return dims.reduce((a, b) => a * b, 1);
}

/** Elementwise op over known values with broadcasting; undefined when kinds don't fit or too large. */
export function combineValues(
  values: readonly KnownValue[],
  ints: ((args: Expr[]) => Expr | undefined) | undefined,
  floats: ((args: number[]) => number) | undefined,
): KnownValue | undefined {
  let dims: number[] | undefined = [];
  for (const v of values) {
    dims = dims && broadcastStaticDims(dims, v.dims);
  }
  if (!dims || count(dims) > MAX_KNOWN_VALUE_ELEMENTS) return undefined;
  const n = count(dims);
  if (values.every((v) => v.kind === 'ints') && ints) {
    const data: Expr[] = [];
    for (let i = 0; i < n; i++) {
      const r = ints(values.map((v) => v.data[indexInto(v.dims, dims!, i)] as Expr));
      if (!r) return undefined;
      data.push(r);
    }
    return { kind: 'ints', dims, data };
  }
  if (floats) {
    const asNumbers = values.map((v) => (v.kind === 'floats' ? v.data : v.data.map((e) => (e.asNumber ?? NaN))));
    const data: number[] = [];
    for (let i = 0; i < n; i++) data.push(floats(values.map((v, k) => asNumbers[k][indexInto(v.dims, dims!, i)])));
    return { kind: 'floats', dims, data };
  }
  return undefined;
}

export function intsValue(data: readonly Expr[], dims: readonly number[] = [data.length]): KnownValue {
  return { kind: 'ints', dims, data };
}

export function scalarInt(e: Expr | number): KnownValue {
  return { kind: 'ints', dims: [], data: [e instanceof Expr ? e : Expr.constant(e)] };
}
