import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseDimParam } from './dimParam';
import { Expr } from './expr';

const DIMS = new Set(['batch_size', 'sequence_length', 'past_sequence_length', 'past_seq_len', 'seq_len', 'input']);
const parse = (text: string) => parseDimParam(text, (name) => DIMS.has(name), (name) => Expr.symbol(name))?.toString();

test('a dim_param written as arithmetic over the model\'s own dims reads as that arithmetic', () => {
  const cases: [string, string | undefined][] = [
    // As exporters write them
    ['past_seq_len+seq_len', 'past_seq_len + seq_len'], // ONNX Runtime symbolic shape inference
    ['past_sequence_length + 1', 'past_sequence_length + 1'], // Optimum, decoder with a cache
    ['past_sequence_length + sequence_length', 'past_sequence_length + sequence_length'],
    ['batch_size*sequence_length', 'batch_size * sequence_length'], // a flattened input
    ['2 * (past_seq_len + seq_len) - 1', '2 * past_seq_len + 2 * seq_len - 1'],
    ['seq_len - 1', 'seq_len - 1'],
    // Names, not arithmetic: left as the name they spell
    ['batch_size', undefined],
    ['input-0_dim0', undefined], // a name with a hyphen ('0_dim0' is no dim)
    ['input - other', undefined], // 'other' is not a dim of the model
    ['height * width', undefined], // neither is a dim of the model on its own
    ['floor((len) / 3)', undefined], // division and calls are not read
    ['max(0, seq_len - 1)', undefined],
    // Malformed
    ['seq_len +', undefined],
    ['(seq_len + 1', undefined],
    ['seq_len + 1)', undefined],
    ['seq_len 1', undefined],
    ['seq_len + 99999999999999999999', undefined],
    // Bounded: deep nesting and long texts stay names (a crafted file must not overflow the stack)
    [`${'('.repeat(16)}seq_len + 1${')'.repeat(16)}`, 'seq_len + 1'],
    [`${'('.repeat(17)}seq_len + 1${')'.repeat(17)}`, undefined],
    [`${'('.repeat(100000)}seq_len + 1${')'.repeat(100000)}`, undefined],
    [Array.from({ length: 20 }, () => 'seq_len').join(' + '), '20 * seq_len'],
    [Array.from({ length: 100 }, () => 'seq_len').join(' + '), undefined],
  ];
  for (const [text, expected] of cases) assert.equal(parse(text), expected, text);
});

test('its names are the dims the caller gives: bound ones become their values', () => {
  const bound = new Map([['past_seq_len', Expr.constant(8)], ['seq_len', Expr.constant(8)]]);
  const e = parseDimParam('past_seq_len+seq_len', (name) => DIMS.has(name), (name) => bound.get(name) ?? Expr.symbol(name));
  assert.equal(e?.constantValue, 16n);
});
