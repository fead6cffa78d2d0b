import { Reader } from 'protobufjs/minimal';
import type { ByteSource } from '../io/byteSource';
import { OnnxLoadError } from './errors';

export const enum WireType {
  Varint = 0,
  Fixed64 = 1,
  LengthDelimited = 2,
  StartGroup = 3,
  EndGroup = 4,
  Fixed32 = 5,
}

/**
 * Bytes read at once when the cursor needs more: at most MAX_WINDOW_BYTES, small so that skipping a payload
 * reads nothing of it. After a jump past a large payload the window starts at MIN_WINDOW_BYTES, since a
 * tensor header and the next payload follow; it doubles while reading goes on near where the last one ended.
 */
const MAX_WINDOW_BYTES = 64 * 1024;
const MIN_WINDOW_BYTES = 4 * 1024;

/**
 * A protobuf wire-format cursor over a ByteSource. It decodes through protobufjs's `Reader` on a small
 * window of the file and moves the window on demand, so a length-delimited payload (a tensor's
 * `raw_data`) can be skipped by offset without being read. Positions are absolute file offsets.
 * Every failure names the byte offset and the field path being read.
 */
export class ProtoCursor {
  private reader: Reader = new Reader(new Uint8Array(0));
  private windowStart = 0;
  private windowBytes = MIN_WINDOW_BYTES;
  /** Field path from the root: names, each with its index in a repeated field (-1 for none). */
  private readonly path: string[] = [];
  private readonly pathIndices: number[] = [];
  /** Field number of the last key read, so an error can say which field it was in. */
  private lastField = 0;

  constructor(
    private readonly source: ByteSource,
    private position = 0,
    private end = source.byteLength,
    private readonly rootName = 'ModelProto',
  ) {}

  get offset(): number {
    return this.position;
  }

  /** Where the cursor is, as a field path from the root message: `ModelProto.graph.node[3]`. */
  get fieldPath(): string {
    return [this.rootName, ...this.path.map((p, i) => (this.pathIndices[i] < 0 ? p : `${p}[${this.pathIndices[i]}]`))].join('.');
  }

  hasMore(): boolean {
    return this.position < this.end;
  }

  /**
   * Runs `body` with the cursor limited to the next `length` bytes, then moves past them. `pathPart` (with
   * `index` for an element of a repeated field) names the message in error messages.
   */
  within<T>(length: number, pathPart: string, body: () => T, index = -1): T {
    const outerEnd = this.enter(length, pathPart, index);
    const result = body();
    this.leave(outerEnd);
    return result;
  }

  /**
   * `within` without a closure, for the messages read by the hundred thousand (a value's type and dims):
   * limits the cursor to the next `length` bytes and returns the outer limit, which `leave` takes back. A
   * failure in between is thrown out of the whole decode (its message names the path), so nothing is restored.
   */
  enter(length: number, pathPart: string, index = -1): number {
    const end = this.position + length;
    if (end > this.end) this.fail('truncated', `${index < 0 ? pathPart : `${pathPart}[${index}]`} needs ${length} bytes but only ${this.end - this.position} remain`);
    const outerEnd = this.end;
    this.end = end;
    this.path.push(pathPart);
    this.pathIndices.push(index);
    return outerEnd;
  }

  /** Moves past the message that `enter` limited the cursor to, back into the one around it. */
  leave(outerEnd: number): void {
    this.position = this.end;
    this.lastField = 0;
    this.path.pop();
    this.pathIndices.pop();
    this.end = outerEnd;
  }

  /** Reads a field key; returns the field number and wire type. */
  tag(): { field: number; wireType: number } {
    const key = this.key();
    return { field: key >>> 3, wireType: key & 7 };
  }

  /** Reads a field key, checked, as a number: the field is `key >>> 3`, the wire type `key & 7`. */
  key(): number {
    const at = this.position;
    const key = this.uint32();
    const field = key >>> 3;
    this.lastField = field;
    const wireType = key & 7;
    if (field === 0 || wireType > 5 || wireType === WireType.StartGroup || wireType === WireType.EndGroup) {
      throw this.error('malformed', `invalid field key ${key} (field ${field}, wire type ${wireType})`, at);
    }
    return key;
  }

  uint32(): number {
    // Fast path: a varint of up to 4 bytes (below 2^28: keys, lengths) wholly inside the window and the message.
    const buf = this.reader.buf;
    const p = this.position - this.windowStart;
    if (p >= 0 && p + 4 <= this.reader.len && this.position + 4 <= this.end) {
      let value = 0;
      for (let k = 0; k < 4; k++) {
        const b = buf[p + k];
        value |= (b & 0x7f) << (7 * k);
        if (b < 0x80) {
          this.position += k + 1;
          return value;
        }
      }
    }
    return this.slowUint32();
  }

  /** protobufjs's reader, for longer varints and those at the window's or the message's edge. */
  private slowUint32(): number {
    this.ensure(Math.min(10, this.end - this.position));
    const at = this.position;
    try {
      const value = this.reader.uint32();
      this.sync();
      return value;
    } catch {
      throw this.error(this.end - at < 10 ? 'truncated' : 'malformed', 'unterminated varint', at);
    }
  }

  /** A varint read as an exact signed 64-bit integer. */
  int64(): bigint {
    const small = this.smallVarint();
    return small >= 0 ? BigInt(small) : this.longVarint();
  }

  /**
   * A varint of at most 7 bytes (below 2^49) as a number, the cursor moved past it; -1, the cursor not
   * moved, for a longer (or truncated) one. Dims, lengths and enum codes take this path without a bigint.
   */
  private smallVarint(): number {
    this.ensure(Math.min(10, this.end - this.position));
    const bytes = this.reader.buf;
    const len = this.reader.len;
    let p = this.reader.pos;
    let value = 0;
    let scale = 1;
    for (let i = 0; i < 7 && p < len; i++) {
      const b = bytes[p++];
      value += (b & 0x7f) * scale;
      if (b < 0x80) {
        this.reader.pos = p;
        this.sync();
        return value;
      }
      scale *= 128;
    }
    return -1;
  }

  private longVarint(): bigint {
    this.ensure(Math.min(10, this.end - this.position));
    const at = this.position;
    const bytes = this.reader.buf;
    let p = this.reader.pos;
    let value = 0n;
    let shift = 0n;
    for (let i = 0; i < 10; i++) {
      if (p >= this.reader.len) throw this.error('truncated', 'unterminated varint', at);
      const b = bytes[p++];
      value |= BigInt(b & 0x7f) << shift;
      if ((b & 0x80) === 0) {
        this.reader.pos = p;
        this.sync();
        return BigInt.asIntN(64, value);
      }
      shift += 7n;
    }
    throw this.error('malformed', 'varint longer than 10 bytes', at);
  }

  /** An int32 varint (an enum code), wrapped to 32 bits as protobuf reads int32. */
  int32(): number {
    const small = this.smallVarint();
    return small >= 0 ? small | 0 : Number(BigInt.asIntN(32, this.longVarint()));
  }

  /** An int64 varint as a JS number (ints in attributes; values past 2^53 lose precision, never wrap). */
  int64Number(): number {
    const small = this.smallVarint();
    return small >= 0 ? small : Number(this.longVarint());
  }

  float32(): number {
    this.ensure(4);
    const value = this.reader.float();
    this.sync();
    return value;
  }

  /** The length prefix of a length-delimited field, checked against what remains. */
  length(): number {
    const at = this.position;
    const n = this.uint32();
    if (n > this.end - this.position) {
      const remain = this.end - this.position;
      throw this.error('truncated', `length ${n} runs past the end of the ${this.end === this.source.byteLength ? 'file' : 'enclosing message'} (${remain} byte${remain === 1 ? '' : 's'} remain${remain === 1 ? 's' : ''})`, at);
    }
    return n;
  }

  string(): string {
    const n = this.length();
    return decodeUtf8(this.bytes(n));
  }

  /** The id, in `table`, of the next `n` bytes as text: one id, and one string, per distinct text. */
  textId(n: number, table: NameTable): number {
    this.ensure(n);
    const start = this.reader.pos;
    this.reader.pos += n;
    this.sync();
    return table.idOfBytes(this.reader.buf, start, start + n);
  }

  /** A view of the next `n` bytes; valid until the cursor moves. For small fields only. */
  bytes(n: number): Uint8Array {
    this.ensure(n);
    const start = this.reader.pos;
    this.reader.pos += n;
    this.sync();
    return this.reader.buf.subarray(start, start + n);
  }

  /** Moves past `n` bytes without reading them. */
  skipBytes(n: number): void {
    if (n > this.end - this.position) throw this.error('truncated', `skipping ${n} bytes runs past the end`, this.position);
    this.position += n;
  }

  /** Skips the value of a field of the given wire type. */
  skip(wireType: number): void {
    switch (wireType) {
      case WireType.Varint:
        this.int64();
        return;
      case WireType.Fixed64:
        this.skipBytes(8);
        return;
      case WireType.LengthDelimited:
        this.skipBytes(this.length());
        return;
      case WireType.Fixed32:
        this.skipBytes(4);
        return;
      default:
        throw this.error('malformed', `unsupported wire type ${wireType}`, this.position);
    }
  }

  /** Repeated int64: packed (one length-delimited run) or one varint per key. */
  int64s(wireType: number, into: bigint[], maxCount: number): void {
    if (wireType === WireType.LengthDelimited) {
      const n = this.length();
      const stop = this.position + n;
      while (this.position < stop) {
        if (into.length >= maxCount) throw this.error('limit-exceeded', `more than ${maxCount} values in a repeated field`, this.position);
        into.push(this.int64());
      }
    } else {
      this.expectWireType(wireType, WireType.Varint);
      if (into.length >= maxCount) throw this.error('limit-exceeded', `more than ${maxCount} values in a repeated field`, this.position);
      into.push(this.int64());
    }
  }

  /** Repeated float: packed or one fixed32 per key. */
  float32s(wireType: number, into: number[], maxCount: number): void {
    if (wireType === WireType.LengthDelimited) {
      const n = this.length();
      if (n % 4 !== 0) throw this.error('malformed', `packed float run of ${n} bytes is not a multiple of 4`, this.position);
      if (into.length + n / 4 > maxCount) throw this.error('limit-exceeded', `more than ${maxCount} values in a repeated field`, this.position);
      for (let i = 0; i < n / 4; i++) into.push(this.float32());
    } else {
      this.expectWireType(wireType, WireType.Fixed32);
      into.push(this.float32());
    }
  }

  expectWireType(actual: number, expected: WireType): void {
    if (actual !== expected) throw this.error('malformed', `wire type ${actual} where ${expected} was expected`, this.position);
  }

  error(code: 'truncated' | 'malformed' | 'limit-exceeded', what: string, at: number): OnnxLoadError {
    const where = this.lastField ? `${this.fieldPath} (field ${this.lastField})` : this.fieldPath;
    const prefix = code === 'truncated' ? `truncated at byte ${at}` : code === 'limit-exceeded' ? `limit exceeded at byte ${at}` : `bad data at byte ${at}`;
    return new OnnxLoadError(code, `${prefix} in ${where}: ${what}`, at, where);
  }

  private fail(code: 'truncated' | 'malformed', what: string): never {
    throw this.error(code, what, this.position);
  }

  /** Makes the window hold the next `n` bytes (n may be less near the end). */
  private ensure(n: number): void {
    const windowEnd = this.windowStart + this.reader.len;
    if (this.position >= this.windowStart && this.position + n <= windowEnd) {
      this.reader.pos = this.position - this.windowStart;
      return;
    }
    if (n > this.end - this.position) throw this.error('truncated', `needs ${n} bytes, ${this.end - this.position} remain`, this.position);
    // Reading on (or past a skip shorter than the largest window): grow the window; after a long jump: start small.
    const onward = this.position >= this.windowStart && this.position - windowEnd < MAX_WINDOW_BYTES;
    this.windowBytes = onward ? Math.min(2 * this.windowBytes, MAX_WINDOW_BYTES) : MIN_WINDOW_BYTES;
    const want = Math.min(Math.max(n, this.windowBytes), this.source.byteLength - this.position);
    const buf = this.source.read(this.position, want);
    if (buf.length < n) throw this.error('truncated', `needs ${n} bytes, the file ends after ${buf.length}`, this.position);
    // A plain Uint8Array over the bytes: a subclass (Node's Buffer) costs a constructor call for each view
    // the decoder takes of a string's bytes, and a second shape at every place that reads bytes.
    this.reader = new Reader(buf.constructor === Uint8Array ? buf : new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength));
    this.windowStart = this.position;
  }

  private sync(): void {
    this.position = this.windowStart + this.reader.pos;
    if (this.position > this.end) throw this.error('truncated', 'value runs past the end of its message', this.position);
  }
}

const utf8 = new TextDecoder();

export function decodeUtf8(bytes: Uint8Array): string {
  return utf8.decode(bytes);
}

/**
 * Text that recurs (value names: each is written where it is produced, where it is consumed and in
 * value_info), kept once and numbered: equal texts get one string and one id (0, 1, 2... in order of first
 * appearance), so later stages can index arrays by id where they would hash names. A recurring ASCII text is
 * found by a hash of its bytes and compared with the bytes kept of it, so it is never decoded, nor allocated,
 * again.
 *
 * Lookups are by the hundred thousand, over names of 40 to 80 bytes, in a table larger than the CPU's caches:
 * the bytes are read 4 at a time (the hash is FNV-1a over 32-bit words, the words are kept and compared word
 * by word), and a lookup touches two places: its slot (hash, where the words are, id) and the words.
 */
export class NameTable {
  /** The texts, by id. */
  readonly names: string[] = [];
  /** Open addressing, SLOT_INTS per slot: hash, offset of the text in `words`, id + 1 (0: an empty slot). */
  private slots = new Int32Array(SLOT_INTS * 2048);
  /** log2 of the slot count; slots are kept at most half full. */
  private bits = 11;
  private hashed = 0;
  /** Each hashed text: its byte length, then its bytes as little-endian 32-bit words, the last padded with zeros. */
  private words = new Int32Array(64 * 1024);
  private wordsUsed = 0;
  /** The words of the text being looked up. */
  private readonly scratch = new Int32Array(Math.ceil(MAX_HASHED_TEXT / 4));
  /** Long or non-ASCII texts, by text. */
  private readonly others = new Map<string, number>();
  /** The id of '' (unnamed tensors, absent names), once asked. */
  private emptyId = -1;

  get count(): number {
    return this.names.length;
  }

  idOfBytes(bytes: Uint8Array, start: number, end: number): number {
    const n = end - start;
    if (n > MAX_HASHED_TEXT) return this.idOfOther(utf8.decode(bytes.subarray(start, end)));
    const scratch = this.scratch;
    let hash = FNV_OFFSET ^ n;
    let high = 0;
    let count = 0;
    let i = start;
    for (; i + 4 <= end; i += 4) {
      const word = bytes[i] | (bytes[i + 1] << 8) | (bytes[i + 2] << 16) | (bytes[i + 3] << 24);
      high |= word;
      hash = Math.imul(hash ^ word, FNV_PRIME);
      scratch[count++] = word;
    }
    if (i < end) {
      let word = 0;
      for (let shift = 0; i < end; i++, shift += 8) word |= bytes[i] << shift;
      high |= word;
      hash = Math.imul(hash ^ word, FNV_PRIME);
      scratch[count++] = word;
    }
    if ((high & 0x80808080) !== 0) return this.idOfOther(utf8.decode(bytes.subarray(start, end)));
    const slots = this.slots;
    const mask = (1 << this.bits) - 1;
    let slot = this.slotOf(hash);
    for (let entry = slot * SLOT_INTS; slots[entry + 2] !== 0; entry = slot * SLOT_INTS) {
      if (slots[entry] === hash && this.sameWords(slots[entry + 1], n, count)) return slots[entry + 2] - 1;
      slot = (slot + 1) & mask;
    }
    const id = this.names.push(utf8.decode(bytes.subarray(start, end))) - 1;
    const entry = slot * SLOT_INTS;
    slots[entry] = hash;
    slots[entry + 1] = this.keepWords(n, count);
    slots[entry + 2] = id + 1;
    if (++this.hashed * 2 > mask + 1) this.grow();
    return id;
  }

  /** The id of a text, added when new. */
  idOfText(text: string): number {
    if (text === '') {
      if (this.emptyId < 0) this.emptyId = this.idOfBytes(new Uint8Array(0), 0, 0);
      return this.emptyId;
    }
    const bytes = new TextEncoder().encode(text);
    return this.idOfBytes(bytes, 0, bytes.length);
  }

  /** The id of a text already in the table, or undefined. */
  idOf(text: string): number | undefined {
    const n = text.length;
    if (n > MAX_HASHED_TEXT) return this.others.get(text);
    // The words idOfBytes makes from the text's bytes, from its char codes (one byte each when ASCII).
    let hash = FNV_OFFSET ^ n;
    let high = 0;
    for (let i = 0; i < n; i += 4) {
      let word = 0;
      for (let k = i; k < i + 4 && k < n; k++) {
        const c = text.charCodeAt(k);
        high |= c;
        word |= c << (8 * (k - i));
      }
      hash = Math.imul(hash ^ word, FNV_PRIME);
    }
    if (high >= 0x80) return this.others.get(text);
    const slots = this.slots;
    const mask = (1 << this.bits) - 1;
    let slot = this.slotOf(hash);
    for (let entry = slot * SLOT_INTS; slots[entry + 2] !== 0; entry = slot * SLOT_INTS) {
      const id = slots[entry + 2] - 1;
      if (slots[entry] === hash && this.names[id] === text) return id;
      slot = (slot + 1) & mask;
    }
    return undefined;
  }

  private idOfOther(text: string): number {
    let id = this.others.get(text);
    if (id === undefined) {
      id = this.names.push(text) - 1;
      this.others.set(text, id);
    }
    return id;
  }

  /** Whether the text kept at `at` is `n` bytes long and its words are the `count` scratch words. */
  private sameWords(at: number, n: number, count: number): boolean {
    const words = this.words;
    if (words[at] !== n) return false;
    const scratch = this.scratch;
    for (let k = 0; k < count; k++) if (words[at + 1 + k] !== scratch[k]) return false;
    return true;
  }

  /** Keeps the length and the `count` scratch words of a new text; returns where. */
  private keepWords(n: number, count: number): number {
    const at = this.wordsUsed;
    if (at + 1 + count > this.words.length) this.words = grown(this.words, 2 * (at + 1 + count));
    const words = this.words;
    words[at] = n;
    for (let k = 0; k < count; k++) words[at + 1 + k] = this.scratch[k];
    this.wordsUsed = at + 1 + count;
    return at;
  }

  /**
   * The first slot to probe for a hash: its top bits after a multiplication by 2^32 / φ. FNV-1a's low bits
   * depend only on the low bits of each word, so masking them would pile names that differ in their last
   * characters onto the same slots.
   */
  private slotOf(hash: number): number {
    return Math.imul(hash, 0x9e3779b1) >>> (32 - this.bits);
  }

  /** Doubles the slots and puts every entry back. */
  private grow(): void {
    const old = this.slots;
    this.bits++;
    const slots = (this.slots = new Int32Array(SLOT_INTS << this.bits));
    const mask = (1 << this.bits) - 1;
    for (let entry = 0; entry < old.length; entry += SLOT_INTS) {
      if (old[entry + 2] === 0) continue;
      let slot = this.slotOf(old[entry]);
      while (slots[slot * SLOT_INTS + 2] !== 0) slot = (slot + 1) & mask;
      for (let k = 0; k < SLOT_INTS; k++) slots[slot * SLOT_INTS + k] = old[entry + k];
    }
  }
}

/** Int32s per slot of the name table: hash, offset of the text's words, id + 1. */
const SLOT_INTS = 3;

/** A copy of `array` in a new array of `length` elements. */
function grown(array: Int32Array, length: number): Int32Array<ArrayBuffer> {
  const copy = new Int32Array(length);
  copy.set(array);
  return copy;
}

/** Texts longer than this are not hashed byte by byte (rare for names): they are decoded and looked up. */
const MAX_HASHED_TEXT = 1024;
const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;
