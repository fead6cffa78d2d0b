/**
 * The estimator's notes on a target's layers as the report carries them (`layerTimes[T].notes`): each distinct text
 * once, one (node, text) pair per note. Written by the pipeline, read by the CSV renderer and the views. Pure.
 */
import type { NodeEstimate } from '../estimate/roofline';
import type { LayerNotes } from './analysisTypes';

/**
 * The timed layers' notes as a table of distinct texts; undefined when no layer has one. A layer that takes no time
 * (a constant, a shape op: "dtype 'int64' is not arithmetic") has nothing to explain.
 */
export function layerNotes(timed: readonly Pick<NodeEstimate, 'index' | 'bound' | 'notes'>[]): LayerNotes | undefined {
  const textIndex = new Map<string, number>();
  const nodeIndex: number[] = [];
  const text: number[] = [];
  for (const n of timed) {
    if (n.bound === 'none') continue;
    for (const note of n.notes) {
      let k = textIndex.get(note);
      if (k === undefined) textIndex.set(note, (k = textIndex.size));
      nodeIndex.push(n.index);
      text.push(k);
    }
  }
  return nodeIndex.length > 0 ? { texts: [...textIndex.keys()], nodeIndex, text } : undefined;
}

/** The notes by node index, in the order the table lists them. */
export function notesByNode(notes: LayerNotes | undefined): Map<number, string[]> {
  const out = new Map<number, string[]>();
  notes?.nodeIndex.forEach((index, i) => {
    const list = out.get(index) ?? [];
    list.push(notes.texts[notes.text[i]]);
    out.set(index, list);
  });
  return out;
}
