/**
 * The report's JSON text, exactly as `JSON.stringify(report, null, 2)` writes it, in pieces: the top-level
 * object and its arrays (nodes, diagnostics) are walked here and their elements stringified a batch at a
 * time, so a 100,000-node report is never held as one 100 MB string, nor copied into one.
 */

const INDENT = '  ';
/** Small pieces (keys, separators, short values) are gathered up to this many characters; larger ones go as they are. */
const CHUNK_CHARS = 16 * 1024;
/** Objects are walked this deep (the report, then its fields); arrays and deeper values are stringified whole or in batches. */
const WALK_DEPTH = 2;
/**
 * Array elements stringified per call: about 30 KB of a report's nodes, small enough for V8's young
 * generation (past about 128 KB a string would wait for a full GC). Each element's toJSON (none in a report)
 * would see its index within the batch, not the whole array.
 */
const BATCH_ELEMENTS = 32;

/** JSON text pieces whose concatenation is `JSON.stringify(value, null, 2)`. */
export function* jsonChunks(value: unknown): Generator<string> {
  let pending: string[] = [];
  let pendingChars = 0;
  for (const piece of pieces(toJsonValue(value, ''), '', 0)) {
    if (piece.length < CHUNK_CHARS) {
      pending.push(piece);
      pendingChars += piece.length;
      if (pendingChars < CHUNK_CHARS) continue;
    }
    if (pending.length) yield pending.join('');
    pending = [];
    pendingChars = 0;
    if (piece.length >= CHUNK_CHARS) yield piece;
  }
  if (pending.length) yield pending.join('');
}

/** What JSON.stringify serialises in place of `value` (its toJSON result, when it has one). */
function toJsonValue(value: unknown, key: string): unknown {
  if (value !== null && (typeof value === 'object' || typeof value === 'bigint')) {
    const toJSON = (value as { toJSON?: unknown }).toJSON;
    if (typeof toJSON === 'function') return toJSON.call(value, key);
  }
  return value;
}

function isSkipped(value: unknown): boolean {
  return value === undefined || typeof value === 'function' || typeof value === 'symbol';
}

function* pieces(value: unknown, indent: string, depth: number): Generator<string> {
  if (depth >= WALK_DEPTH || value === null || typeof value !== 'object') {
    yield leaf(value, indent);
    return;
  }
  const inner = indent + INDENT;
  if (Array.isArray(value)) {
    if (value.length === 0) {
      yield '[]';
      return;
    }
    yield '[';
    // Elements go to JSON.stringify a batch at a time (one call per element would cost more than the
    // text), wrapped in objects as deep as the array stands so that they come out indented in place.
    for (let start = 0; start < value.length; start += BATCH_ELEMENTS) {
      let wrapped: unknown = value.slice(start, start + BATCH_ELEMENTS);
      for (let level = 0; level < indent.length / INDENT.length; level++) wrapped = { x: wrapped };
      const text = JSON.stringify(wrapped, null, 2);
      // The first '[' opens the batch (the wrappers' keys hold none); its elements run to the last ']'.
      yield start === 0 ? '\n' : ',\n';
      yield text.slice(text.indexOf('[') + 2, text.lastIndexOf(']') - indent.length - 1);
    }
    yield `\n${indent}]`;
    return;
  }
  let first = true;
  for (const key of Object.keys(value)) {
    const item = toJsonValue((value as Record<string, unknown>)[key], key);
    if (isSkipped(item)) continue;
    yield `${first ? '{' : ','}\n${inner}${JSON.stringify(key)}: `;
    first = false;
    yield* pieces(item, inner, depth + 1);
  }
  yield first ? '{}' : `\n${indent}}`;
}

/** A value stringified whole, its lines indented to where it stands. */
function leaf(value: unknown, indent: string): string {
  const text = JSON.stringify(value, null, 2);
  // Newlines inside JSON text are only ever the layout's (those in strings are escaped).
  return indent === '' || !text.includes('\n') ? text : text.replaceAll('\n', `\n${indent}`);
}
