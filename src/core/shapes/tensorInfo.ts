import type { DataType } from '../onnx/dataType';
import type { Expr } from './expr';

/** A shape: one exact expression per dim. An unknown dim is a fresh symbol (`unk__3`), never a guess. */
export type Shape = readonly Expr[];

/**
 * Known contents of a small tensor, kept so that shape computations (Shape → Gather → Concat →
 * Reshape) resolve. Integer and bool tensors hold expressions (a dim can flow through them);
 * float tensors hold numbers, or expressions where a dim was cast to FLOAT or DOUBLE (held exactly) and
 * only integer-exact arithmetic followed (ops/families/elementwise.ts).
 */
export type KnownValue =
  | { readonly kind: 'ints'; readonly dims: readonly number[]; readonly data: readonly Expr[] }
  | { readonly kind: 'floats'; readonly dims: readonly number[]; readonly data: readonly number[] };

/** What is known of a value flowing through the graph. */
export interface TensorInfo {
  readonly name: string;
  /** 'tensor' unless the value is a sequence, optional or map (then `element` describes its items). */
  readonly kind?: 'tensor' | 'sequence' | 'optional' | 'map';
  readonly dtype: DataType | undefined;
  /** undefined when even the rank is unknown. */
  readonly shape: Shape | undefined;
  readonly value?: KnownValue;
  /** A weight: an initializer or a Constant node's output. Counted as params. */
  readonly isWeight?: boolean;
  /** For sequences and optionals: what an item is. */
  readonly element?: TensorInfo;
  /** For sequences: the number of items, when known (0 for SequenceEmpty). */
  readonly length?: Expr;
}

/** An output as a handler infers it; the engine adds the name. */
export type InferredOutput = Omit<TensorInfo, 'name'>;

/** The most elements a known value may hold; larger tensors keep only their shape. */
export const MAX_KNOWN_VALUE_ELEMENTS = 4096;
