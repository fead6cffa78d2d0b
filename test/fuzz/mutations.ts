/**
 * Structure-aware mutations of ONNX files for the fuzz harness: bit flips, truncation, varint and
 * length-field corruption, field duplication, splices between models, deep nesting and huge dims.
 * All randomness comes from a seeded generator so a failing case can be replayed from its seed.
 */
import { onnx } from 'onnx-proto';

/** mulberry32: small, fast, seedable. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface WireField {
  readonly keyStart: number;
  /** Where the length prefix starts (length-delimited fields only). */
  readonly lengthStart: number;
  readonly valueStart: number;
  readonly valueEnd: number;
  readonly wireType: number;
  readonly depth: number;
}

function readVarint(bytes: Uint8Array, pos: number, end: number): { value: number; next: number } | undefined {
  let value = 0;
  let scale = 1;
  for (let i = 0; i < 10 && pos + i < end; i++) {
    const b = bytes[pos + i];
    value += (b & 0x7f) * scale;
    scale *= 128;
    if ((b & 0x80) === 0) return { value, next: pos + i + 1 };
  }
  return undefined;
}

const MAX_FIELDS = 20_000;

/** Lists fields of a protobuf message, descending into length-delimited values that parse as messages. */
export function walkFields(bytes: Uint8Array, start = 0, end = bytes.length, depth = 0, into: WireField[] = []): WireField[] {
  if (into.length >= MAX_FIELDS) return into;
  let pos = start;
  const found: WireField[] = [];
  while (pos < end) {
    const key = readVarint(bytes, pos, end);
    if (!key || key.value === 0) return into;
    const wireType = key.value % 8;
    let valueStart = key.next;
    let valueEnd: number;
    let lengthStart = key.next;
    if (wireType === 0) {
      const v = readVarint(bytes, key.next, end);
      if (!v) return into;
      valueEnd = v.next;
    } else if (wireType === 1) valueEnd = key.next + 8;
    else if (wireType === 5) valueEnd = key.next + 4;
    else if (wireType === 2) {
      const len = readVarint(bytes, key.next, end);
      if (!len) return into;
      lengthStart = key.next;
      valueStart = len.next;
      valueEnd = len.next + len.value;
    } else return into;
    if (valueEnd > end) return into;
    found.push({ keyStart: pos, lengthStart, valueStart, valueEnd, wireType, depth });
    pos = valueEnd;
  }
  into.push(...found);
  if (depth < 12) {
    for (const f of found) if (f.wireType === 2 && f.valueEnd - f.valueStart > 1 && into.length < MAX_FIELDS) walkFields(bytes, f.valueStart, f.valueEnd, depth + 1, into);
  }
  return into;
}

function encodeVarint(value: number): number[] {
  const out: number[] = [];
  let v = BigInt(Math.max(0, Math.floor(value)));
  do {
    let b = Number(v & 0x7fn);
    v >>= 7n;
    if (v > 0n) b |= 0x80;
    out.push(b);
  } while (v > 0n);
  return out;
}

function splice(bytes: Uint8Array, at: number, remove: number, insert: ArrayLike<number>): Uint8Array {
  const out = new Uint8Array(bytes.length - remove + insert.length);
  out.set(bytes.subarray(0, at), 0);
  out.set(insert, at);
  out.set(bytes.subarray(at + remove), at + insert.length);
  return out;
}

type Random = () => number;
const pick = <T>(r: Random, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)];

export const MUTATIONS = {
  bitFlip(bytes: Uint8Array, r: Random): Uint8Array {
    const out = bytes.slice();
    const flips = 1 + Math.floor(r() * 8);
    for (let i = 0; i < flips; i++) out[Math.floor(r() * out.length)] ^= 1 << Math.floor(r() * 8);
    return out;
  },
  truncate(bytes: Uint8Array, r: Random): Uint8Array {
    return bytes.slice(0, Math.floor(r() * bytes.length));
  },
  corruptVarint(bytes: Uint8Array, r: Random, fields: WireField[]): Uint8Array {
    const varints = fields.filter((f) => f.wireType === 0);
    if (varints.length === 0) return MUTATIONS.bitFlip(bytes, r);
    const f = pick(r, varints);
    const replacement = pick(r, [[0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01], [0x80, 0x80, 0x80], encodeVarint(2 ** 62), [0xff, 0xff, 0xff, 0xff, 0x0f]]);
    return splice(bytes, f.valueStart, f.valueEnd - f.valueStart, replacement);
  },
  corruptLength(bytes: Uint8Array, r: Random, fields: WireField[]): Uint8Array {
    const delimited = fields.filter((f) => f.wireType === 2);
    if (delimited.length === 0) return MUTATIONS.truncate(bytes, r);
    const f = pick(r, delimited);
    const length = f.valueEnd - f.valueStart;
    const wrong = pick(r, [length + 1, Math.max(0, length - 1), length * 2 + 7, 0, 2 ** 31, bytes.length * 4]);
    return splice(bytes, f.lengthStart, f.valueStart - f.lengthStart, encodeVarint(wrong));
  },
  duplicateField(bytes: Uint8Array, r: Random, fields: WireField[]): Uint8Array {
    if (fields.length === 0) return bytes;
    const f = pick(r, fields);
    const span = bytes.slice(f.keyStart, f.valueEnd);
    // The copy sits in the same message, so only that message's length prefixes grow: fix the parents'.
    return insertIntoMessage(bytes, fields, f, span);
  },
  spliceFrom(bytes: Uint8Array, r: Random, fields: WireField[], donor: Uint8Array, donorFields: WireField[]): Uint8Array {
    if (fields.length === 0 || donorFields.length === 0) return bytes;
    const target = pick(r, fields);
    const d = pick(r, donorFields);
    return insertIntoMessage(bytes, fields, target, donor.slice(d.keyStart, d.valueEnd));
  },
};

/** Inserts `span` right after `at`, rewriting the length prefixes of every message that encloses it. */
function insertIntoMessage(bytes: Uint8Array, fields: WireField[], at: WireField, span: Uint8Array): Uint8Array {
  const enclosing = fields
    .filter((f) => f.wireType === 2 && f.valueStart <= at.keyStart && at.valueEnd <= f.valueEnd && f !== at)
    .sort((a, b) => b.lengthStart - a.lengthStart); // innermost first: later prefixes don't move earlier ones
  let out = splice(bytes, at.valueEnd, 0, span);
  let growth = span.length; // an enclosing message also grows by the inner prefixes that got longer
  for (const f of enclosing) {
    const oldPrefix = f.valueStart - f.lengthStart;
    const prefix = encodeVarint(f.valueEnd - f.valueStart + growth);
    out = splice(out, f.lengthStart, oldPrefix, prefix);
    growth += prefix.length - oldPrefix;
  }
  return out;
}

const tensorType = (dims: (number | string)[]) => ({
  tensorType: { elemType: 1, shape: { dim: dims.map((d) => (typeof d === 'string' ? { dimParam: d } : { dimValue: d })) } },
});

/** A model whose If nodes nest `depth` deep. */
export function deeplyNestedModel(depth: number): Uint8Array {
  const leaf = (name: string): onnx.IGraphProto => ({ name, node: [{ opType: 'Identity', input: ['x'], output: [name] }], output: [{ name, type: tensorType([1]) }] });
  let graph = leaf('y0');
  for (let i = 0; i < depth; i++) {
    // Only the then-branch nests: nesting both would double the file at each level.
    graph = {
      name: `level${i}`,
      node: [{ opType: 'If', input: ['cond'], output: [`y${i + 1}`], attribute: [{ name: 'then_branch', type: 5, g: graph }, { name: 'else_branch', type: 5, g: leaf(`e${i}`) }] }],
      output: [{ name: `y${i + 1}`, type: tensorType([1]) }],
    };
  }
  graph = { ...graph, input: [{ name: 'cond', type: { tensorType: { elemType: 9, shape: { dim: [] } } } }, { name: 'x', type: tensorType([1]) }] };
  return onnx.ModelProto.encode({ irVersion: 8, opsetImport: [{ domain: '', version: 17 }], graph }).finish();
}

/** A model with absurd dims: negative, zero, past 2^53 and whose product passes 2^63. */
export function hugeDimsModel(r: Random): Uint8Array {
  const dims = Array.from({ length: 1 + Math.floor(r() * 6) }, () => pick(r, [-1, 0, 2 ** 31, 2 ** 53 + 2, 2 ** 62, 1e15, 3]));
  return onnx.ModelProto.encode({
    irVersion: 8,
    opsetImport: [{ domain: '', version: 17 }],
    graph: {
      name: 'huge',
      node: [
        { opType: 'MatMul', input: ['x', 'w'], output: ['y'] },
        { opType: 'Relu', input: ['y'], output: ['z'] },
      ],
      initializer: [{ name: 'w', dims: [dims[dims.length - 1] ?? 1, 8], dataType: 1, dataLocation: 1, externalData: [{ key: 'location', value: 'absent.bin' }] }],
      input: [{ name: 'x', type: tensorType(dims) }],
      output: [{ name: 'z', type: tensorType(['n']) }],
    },
  }).finish();
}
