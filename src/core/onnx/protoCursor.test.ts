import assert from 'node:assert/strict';
import { test } from 'node:test';
import { NameTable } from './protoCursor';

test('the name table gives each distinct text one id and one string, through growth', () => {
  const table = new NameTable();
  const encoder = new TextEncoder();
  // Names that differ only in their last characters (as exported value names do), non-ASCII and long ones.
  const texts = [
    ...Array.from({ length: 20_000 }, (_, i) => `/blocks.${i % 7}/attn/MatMul_${i}_output_0`),
    'été', 'Gather_ß', '',
    'x'.repeat(5000),
  ];
  const ids = texts.map((t) => {
    const bytes = encoder.encode(t);
    return table.idOfBytes(bytes, 0, bytes.length);
  });
  assert.deepEqual(ids, texts.map((_, i) => i));
  assert.equal(table.count, texts.length);
  texts.forEach((t, i) => {
    assert.equal(table.names[i], t);
    assert.equal(table.idOf(t), i);
    assert.equal(table.idOfText(t), i);
  });
  // Again, from bytes inside a larger buffer: the same ids, no new names.
  const padded = encoder.encode(`##${texts[123]}##`);
  assert.equal(table.idOfBytes(padded, 2, padded.length - 2), 123);
  assert.equal(table.idOf('never seen'), undefined);
  assert.equal(table.count, texts.length);
});
