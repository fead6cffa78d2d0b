/**
 * Tensor sizes from a report's shapes: dims are numbers or symbolic expressions, evaluated with the report's
 * bindings. Pure: no I/O.
 */
import type { ReportDim, TensorSummary } from '../report/reportTypes';
import { dtypeBytesPerElement } from './precision';

/**
 * Each bindings object's evaluated dims: a report repeats a few thousand distinct expressions over its tensors, and
 * the estimator (once per target and per hint it prices) evaluates them again and again.
 */
const evaluated = new WeakMap<Readonly<Record<string, number>>, Map<string, number | undefined>>();
const evaluatedUnboundAsOne = new WeakMap<Readonly<Record<string, number>>, Map<string, number | undefined>>();

/** Evaluate a dim: a number, a bound symbol, or an expression of + - * / ( ) over them. undefined if not. */
export function evalDim(dim: ReportDim, bindings: Readonly<Record<string, number>>): number | undefined {
  if (typeof dim === 'number') return dim;
  return memoised(evaluated, dim, bindings, boundOnly);
}

/** As evalDim, with every symbol the bindings leave unbound counted as 1 (as the report's totals count them). */
export function evalDimUnboundAsOne(dim: ReportDim, bindings: Readonly<Record<string, number>>): number | undefined {
  if (typeof dim === 'number') return dim;
  return memoised(evaluatedUnboundAsOne, dim, bindings, unboundAsOne);
}

type SymbolLookup = (bindings: Readonly<Record<string, number>>, id: string) => number | undefined;

const boundOnly: SymbolLookup = (bindings, id) => (Object.prototype.hasOwnProperty.call(bindings, id) ? bindings[id] : undefined);
const unboundAsOne: SymbolLookup = (bindings, id) => (Object.prototype.hasOwnProperty.call(bindings, id) ? bindings[id] : 1);

function memoised(
  cache: WeakMap<Readonly<Record<string, number>>, Map<string, number | undefined>>,
  dim: string,
  bindings: Readonly<Record<string, number>>,
  lookup: SymbolLookup,
): number | undefined {
  let known = cache.get(bindings);
  if (!known) cache.set(bindings, (known = new Map()));
  if (known.has(dim)) return known.get(dim);
  const v = parseAndEvaluate(dim, (id) => lookup(bindings, id));
  known.set(dim, v);
  return v;
}

/**
 * Parentheses (and unary minuses) a dim may nest and still be evaluated. The report's own expressions nest a few levels (derived atoms
 * over 96 characters get short names); a crafted dim_param printed as it is could nest thousands, which the
 * recursive reading below must not follow into a stack overflow (as dimParam.ts bounds its reading).
 */
const MAX_NESTING = 64;

function parseAndEvaluate(dim: string, lookup: (id: string) => number | undefined): number | undefined {
  const tokens = dim.match(/\s*([A-Za-z_][A-Za-z0-9_.:/-]*|\d+(?:\.\d+)?|[-+*/()])\s*/g);
  if (!tokens || tokens.join('').replace(/\s/g, '') !== dim.replace(/\s/g, '')) return undefined;
  const toks = tokens.map((t) => t.trim());
  let pos = 0;
  let depth = 0;
  const expr = (): number | undefined => {
    let v = term();
    while (v !== undefined && (toks[pos] === '+' || toks[pos] === '-')) {
      const op = toks[pos++];
      const r = term();
      if (r === undefined) return undefined;
      v = op === '+' ? v + r : v - r;
    }
    return v;
  };
  const term = (): number | undefined => {
    let v = factor();
    while (v !== undefined && (toks[pos] === '*' || toks[pos] === '/')) {
      const op = toks[pos++];
      const r = factor();
      if (r === undefined) return undefined;
      v = op === '*' ? v * r : Math.floor(v / r);
    }
    return v;
  };
  const factor = (): number | undefined => {
    const t = toks[pos++];
    if (t === undefined) return undefined;
    if ((t === '(' || t === '-') && ++depth > MAX_NESTING) return undefined;
    if (t === '(') {
      const v = expr();
      depth--;
      if (toks[pos++] !== ')') return undefined;
      return v;
    }
    if (t === '-') {
      const v = factor();
      depth--;
      return v === undefined ? undefined : -v;
    }
    if (/^\d/.test(t)) return Number(t);
    return lookup(t);
  };
  const v = expr();
  return pos === toks.length ? v : undefined;
}

/** Bytes of a tensor from its shape and dtype; undefined when a dim cannot be evaluated. */
export function tensorSummaryBytes(t: TensorSummary, bindings: Readonly<Record<string, number>>): number | undefined {
  if (t.shape === null) return undefined;
  let elements = 1;
  for (const d of t.shape) {
    const v = evalDim(d, bindings);
    if (v === undefined || !Number.isFinite(v)) return undefined;
    elements *= v;
  }
  return elements * dtypeBytesPerElement(t.dtype);
}
