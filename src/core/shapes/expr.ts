/**
 * Exact symbolic integer expressions for tensor dims and cost counts.
 *
 * An expression is a polynomial with bigint coefficients over atoms. An atom is either a symbol from
 * the model (`batch`, `sequence`) or a derived term that a polynomial cannot hold (`floor(h / 2)`,
 * `max(a, b)`), kept with its definition so it can still be evaluated once symbols are bound.
 * bigint keeps counts exact past 2^53 (FLOPs reach 1e18); canonical ordering makes equal
 * expressions print and compare equal, so `batch` broadcasts against `batch`.
 */

import { ExactSum } from './exactSum';

type DerivedKind = 'floor' | 'ceil' | 'mod' | 'min' | 'max';

interface DerivedAtom {
  readonly kind: DerivedKind;
  readonly args: readonly Expr[];
}

/** Definitions of derived atoms by their printed name. Append-only; names are canonical strings. */
const derivedAtoms = new Map<string, DerivedAtom>();

/** Monomial key: atom names sorted and joined by '\u0001' ('' is the constant term). */
const SEP = '\u0001';

/**
 * Symbolic expressions are interned by their printed form (up to this many terms), so equal ones are one
 * object and the operation memos below hit across nodes. Larger ones (running totals) are left alone.
 */
const MAX_INTERNED_TERMS = 16;
/** Past this many interned expressions the table starts over (interning only saves work; equals() never relies on it). */
const MAX_INTERNED = 100_000;
/** Results remembered per expression and operation. */
const MAX_MEMO_ENTRIES = 64;
const interned = new Map<string, Expr>();
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);
const MIN_SAFE = BigInt(Number.MIN_SAFE_INTEGER);
/** Constants −1 to 1024, made once. */
const SMALL: Expr[] = [];
/** The constructor, for this module's functions. */
let makeExpr: (value: bigint | undefined, terms: Map<string, bigint> | undefined) => Expr;

const enum Op { Add, Mul, FloorDiv, CeilDiv, Mod, Min, Max, Count }

export class Expr {
  private printed: string | undefined = undefined;
  private symbolCache: readonly string[] | undefined = undefined;
  /** Results of binary operations with this expression on the left, by operation and operand. */
  private memos: (Map<bigint | Expr, Expr> | undefined)[] | undefined = undefined;
  /** Whether this is the one object of its kind (an interned symbolic expression, a small constant): memos key it by identity. */
  private isInterned = false;
  /** Monomials of a symbolic expression; built on demand for a constant. */
  private termMap: Map<string, bigint> | undefined;
  /**
   * The value as a number when constant and a safe integer: made once, since static dims are asked for it
   * (sizes, loops over dims) far more often than expressions are made.
   */
  private readonly safeNumber: number | undefined;

  /** Use Expr.constant / Expr.symbol. `value` is set exactly when the expression is a constant. */
  private constructor(
    private readonly value: bigint | undefined,
    terms: Map<string, bigint> | undefined,
  ) {
    this.termMap = terms;
    this.safeNumber = value !== undefined && value <= MAX_SAFE && value >= MIN_SAFE ? Number(value) : undefined;
  }

  static {
    makeExpr = (value, terms) => new Expr(value, terms);
    for (let i = -1; i <= 1024; i++) {
      const e = new Expr(BigInt(i), undefined);
      e.isInterned = true;
      SMALL.push(e);
    }
  }

  static constant(value: bigint | number): Expr {
    if (typeof value === 'number' && value >= -1 && value <= 1024 && Number.isInteger(value)) return SMALL[value + 1];
    const v = typeof value === 'bigint' ? value : toBigInt(value);
    if (v >= -1n && v <= 1024n) return SMALL[Number(v) + 1];
    return new Expr(v, undefined);
  }

  static symbol(name: string): Expr {
    if (name.length === 0) throw new Error('symbol name must not be empty');
    return internedOrSelf(new Expr(undefined, new Map([[name, 1n]])));
  }

  /** Monomial key → coefficient, canonical: no zero coefficients; '' is the constant term. */
  get terms(): ReadonlyMap<string, bigint> {
    if (this.termMap === undefined) this.termMap = this.value === 0n ? new Map() : new Map([['', this.value!]]);
    return this.termMap;
  }

  /** The value when the expression has no atoms, else undefined. */
  get constantValue(): bigint | undefined {
    return this.value;
  }

  get isConstant(): boolean {
    return this.value !== undefined;
  }

  /** The value as a JS number when constant and safe, else undefined. */
  get asNumber(): number | undefined {
    return this.safeNumber;
  }

  add(other: Expr | number | bigint): Expr {
    const o = lift(other);
    if (this.value !== undefined && o.value !== undefined) return Expr.constant(this.value + o.value);
    if (o.value === 0n) return this;
    if (this.value === 0n) return o;
    return this.memoized(Op.Add, o) ?? this.remember(Op.Add, o, addTerms(this.terms, o.terms));
  }

  sub(other: Expr | number | bigint): Expr {
    const o = lift(other);
    if (this.value !== undefined && o.value !== undefined) return Expr.constant(this.value - o.value);
    return this.add(o.neg());
  }

  neg(): Expr {
    if (this.value !== undefined) return Expr.constant(-this.value);
    const out = new Map<string, bigint>();
    for (const [k, c] of this.terms) out.set(k, -c);
    return fromTerms(out);
  }

  mul(other: Expr | number | bigint): Expr {
    const o = lift(other);
    const a = this.value;
    const b = o.value;
    if (a !== undefined && b !== undefined) return Expr.constant(a * b);
    if (a === 0n || b === 0n) return ZERO;
    if (a === 1n) return o;
    if (b === 1n) return this;
    const known = this.memoized(Op.Mul, o);
    if (known) return known;
    const out = new Map<string, bigint>();
    for (const [ka, ca] of this.terms) {
      for (const [kb, cb] of o.terms) {
        const k = mulKeys(ka, kb);
        const sum = (out.get(k) ?? 0n) + ca * cb;
        if (sum === 0n) out.delete(k);
        else out.set(k, sum);
      }
    }
    return this.remember(Op.Mul, o, fromTerms(out));
  }

  /** Floor division (toward −∞), as ONNX shape formulas use it. */
  floorDiv(divisor: Expr | number | bigint): Expr {
    const d = lift(divisor);
    const dc = d.value;
    if (dc === 0n) throw new RangeError('division by zero in a dim expression');
    const nc = this.value;
    if (nc !== undefined && dc !== undefined) return Expr.constant(floorDivBig(nc, dc));
    if (dc === 1n) return this;
    return this.memoized(Op.FloorDiv, d) ?? this.remember(Op.FloorDiv, d, this.symbolicFloorDiv(d));
  }

  private symbolicFloorDiv(d: Expr): Expr {
    const dc = d.value;
    if (dc !== undefined && [...this.terms.values()].every((c) => c % dc === 0n)) {
      const out = new Map<string, bigint>();
      for (const [k, c] of this.terms) out.set(k, c / dc);
      return fromTerms(out);
    }
    return derived('floor', [this, d]);
  }

  ceilDiv(divisor: Expr | number | bigint): Expr {
    const d = lift(divisor);
    const dc = d.value;
    const nc = this.value;
    if (nc !== undefined && dc !== undefined) {
      if (dc === 0n) throw new RangeError('division by zero in a dim expression');
      return Expr.constant(-floorDivBig(-nc, dc));
    }
    const known = this.memoized(Op.CeilDiv, d);
    if (known) return known;
    if (dc !== undefined && dc !== 0n && [...this.terms.values()].every((c) => c % dc === 0n)) return this.remember(Op.CeilDiv, d, this.floorDiv(d));
    return this.remember(Op.CeilDiv, d, derived('ceil', [this, d]));
  }

  mod(divisor: Expr | number | bigint): Expr {
    const d = lift(divisor);
    const nc = this.value;
    const dc = d.value;
    if (nc !== undefined && dc !== undefined) {
      if (dc === 0n) throw new RangeError('modulo by zero in a dim expression');
      return Expr.constant(nc - dc * floorDivBig(nc, dc));
    }
    return this.memoized(Op.Mod, d) ?? this.remember(Op.Mod, d, derived('mod', [this, d]));
  }

  min(other: Expr | number | bigint): Expr {
    const o = lift(other);
    return this.memoized(Op.Min, o) ?? this.remember(Op.Min, o, minMax('min', this, o));
  }

  max(other: Expr | number | bigint): Expr {
    const o = lift(other);
    return this.memoized(Op.Max, o) ?? this.remember(Op.Max, o, minMax('max', this, o));
  }

  equals(other: Expr): boolean {
    if (this === other) return true;
    if (this.value !== undefined && other.value !== undefined) return this.value === other.value;
    return this.toString() === other.toString();
  }

  private memoized(op: Op, operand: Expr): Expr | undefined {
    return this.memos?.[op]?.get(operand.isInterned ? operand : operand.value ?? operand);
  }

  /** Remembers `result` of `op` with `operand`: by identity when interned, else by value when constant. */
  private remember(op: Op, operand: Expr, result: Expr): Expr {
    if (!this.isInterned || (operand.value === undefined && !operand.isInterned)) return result;
    const memos = (this.memos ??= new Array<Map<bigint | Expr, Expr> | undefined>(Op.Count));
    const memo = (memos[op] ??= new Map());
    if (memo.size < MAX_MEMO_ENTRIES) memo.set(operand.isInterned ? operand : operand.value!, result);
    return result;
  }

  /** Names of the model symbols this expression depends on, derived atoms expanded. */
  symbols(into = new Set<string>()): Set<string> {
    for (const s of this.ownSymbols()) into.add(s);
    return into;
  }

  /** Computed once per expression: derived atoms share arguments, so re-expanding them is exponential. */
  private ownSymbols(): readonly string[] {
    if (this.symbolCache) return this.symbolCache;
    const found = new Set<string>();
    for (const key of this.terms.keys()) {
      if (key === '') continue;
      for (const atom of key.split(SEP)) {
        const def = derivedAtoms.get(atom);
        if (def) def.args.forEach((a) => a.ownSymbols().forEach((x) => found.add(x)));
        else found.add(atom);
      }
    }
    return (this.symbolCache = [...found]);
  }

  /**
   * Substitutes bound symbols. Returns an expression (constant when everything is bound).
   * Unbound symbols stay symbolic.
   */
  substitute(bindings: ReadonlyMap<string, Expr>, memo: Map<string, Expr> = new Map()): Expr {
    if (this.isConstant || bindings.size === 0) return this;
    let result = ZERO;
    for (const [key, coeff] of this.terms) {
      let term = Expr.constant(coeff);
      if (key !== '') {
        for (const atom of key.split(SEP)) term = term.mul(substituteAtom(atom, bindings, memo));
      }
      result = result.add(term);
    }
    return result;
  }

  /** Evaluates with every unbound symbol taken as `fallback`. */
  evaluate(bindings: ReadonlyMap<string, Expr>, fallback: bigint): bigint {
    const bound = this.substitute(bindings);
    const c = bound.constantValue;
    if (c !== undefined) return c;
    const defaults = new Map<string, Expr>();
    for (const s of bound.symbols()) defaults.set(s, Expr.constant(fallback));
    const value = bound.substitute(defaults).constantValue;
    if (value === undefined) throw new Error(`cannot evaluate ${this.toString()}`);
    return value;
  }

  toString(): string {
    if (this.printed !== undefined) return this.printed;
    if (this.value !== undefined) return (this.printed = this.value.toString());
    const keys = [...this.terms.keys()].sort(compareMonomials);
    let s = '';
    for (const key of keys) {
      const c = this.terms.get(key)!;
      const atoms = key === '' ? [] : key.split(SEP);
      const magnitude = c < 0n ? -c : c;
      const body = atoms.length === 0 ? magnitude.toString() : (magnitude === 1n ? '' : `${magnitude} * `) + atoms.join(' * ');
      if (s.length === 0) s = c < 0n ? `-${body}` : body;
      else s += c < 0n ? ` - ${body}` : ` + ${body}`;
    }
    return (this.printed = s);
  }

  toJSON(): number | string {
    return this.asNumber ?? this.toString();
  }
}

/**
 * The interned expression printed like `e` and with the same terms, interning `e` when there is none. A
 * symbol whose name reads like a polynomial (a dim_param "a + b") prints like one but is not it: it stays
 * apart, uninterned.
 */
function internedOrSelf(e: Expr): Expr {
  const key = e.toString();
  const known = interned.get(key);
  if (known) return sameTerms(known.terms, e.terms) ? known : e;
  if (interned.size >= MAX_INTERNED) interned.clear();
  interned.set(key, e);
  (e as unknown as { isInterned: boolean }).isInterned = true;
  return e;
}

function sameTerms(a: ReadonlyMap<string, bigint>, b: ReadonlyMap<string, bigint>): boolean {
  if (a.size !== b.size) return false;
  for (const [k, c] of a) if (b.get(k) !== c) return false;
  return true;
}

/** a + b over monomials. */
function addTerms(a: ReadonlyMap<string, bigint>, b: ReadonlyMap<string, bigint>): Expr {
  const out = new Map(a);
  for (const [k, c] of b) {
    const sum = (out.get(k) ?? 0n) + c;
    if (sum === 0n) out.delete(k);
    else out.set(k, sum);
  }
  return fromTerms(out);
}

function toBigInt(value: number): bigint {
  if (!Number.isFinite(value) || !Number.isInteger(value)) throw new RangeError(`not an integer: ${value}`);
  return BigInt(value);
}

function lift(value: Expr | number | bigint): Expr {
  return value instanceof Expr ? value : Expr.constant(value);
}

/** The expression of canonical `terms` (no zero coefficients): a constant, or the interned symbolic one. */
function fromTerms(terms: Map<string, bigint>): Expr {
  const c = terms.size === 0 ? 0n : terms.size === 1 ? terms.get('') : undefined;
  if (c !== undefined) return Expr.constant(c);
  const e = makeExpr(undefined, terms);
  return terms.size > MAX_INTERNED_TERMS ? e : internedOrSelf(e);
}

function mulKeys(a: string, b: string): string {
  if (a === '') return b;
  if (b === '') return a;
  return [...a.split(SEP), ...b.split(SEP)].sort().join(SEP);
}

function compareMonomials(a: string, b: string): number {
  if (a === '') return 1; // constant last: "batch + 1"
  if (b === '') return -1;
  const da = a.split(SEP).length;
  const db = b.split(SEP).length;
  if (da !== db) return db - da;
  return a < b ? -1 : a > b ? 1 : 0;
}

function floorDivBig(n: bigint, d: bigint): bigint {
  const q = n / d;
  return (n % d !== 0n && (n < 0n) !== (d < 0n)) ? q - 1n : q;
}

/** The operands of a (possibly nested) min or max of this kind, or [e] itself. */
function operandsOf(kind: 'min' | 'max', e: Expr): Expr[] {
  if (e.terms.size === 1) {
    const [key, coefficient] = e.terms.entries().next().value as [string, bigint];
    const def = coefficient === 1n && key !== '' && !key.includes(SEP) ? derivedAtoms.get(key) : undefined;
    if (def?.kind === kind) return def.args.flatMap((arg) => operandsOf(kind, arg));
  }
  return [e];
}

/**
 * min/max, flattened: nested operands of the same kind are merged, and an operand that differs from
 * another by a constant keeps only the winner, so max(max(a, b), a) is max(a, b).
 */
function minMax(kind: 'min' | 'max', a: Expr, b: Expr): Expr {
  const ac = a.constantValue;
  const bc = b.constantValue;
  if (ac !== undefined && bc !== undefined) return kind === 'min' ? (ac < bc ? a : b) : (ac > bc ? a : b);
  if (a.equals(b)) return a;
  const kept: Expr[] = [];
  for (const e of [...operandsOf(kind, a), ...operandsOf(kind, b)]) {
    const rival = kept.findIndex((k) => e.sub(k).constantValue !== undefined);
    if (rival < 0) {
      kept.push(e);
      continue;
    }
    const diff = e.sub(kept[rival]).constantValue!;
    if (kind === 'max' ? diff > 0n : diff < 0n) kept[rival] = e;
  }
  // Absorption: max(min(a, b), b) = b and min(max(a, b), b) = b.
  const opposite = kind === 'max' ? 'min' : 'max';
  const absorbed = kept.filter((e) => {
    const inner = operandsOf(opposite, e);
    return inner.length > 1 && inner.some((x) => kept.some((k) => k !== e && k.equals(x)));
  });
  const operands = kept.filter((e) => !absorbed.includes(e));
  operands.sort((x, y) => (x.toString() < y.toString() ? -1 : x.toString() > y.toString() ? 1 : 0));
  return operands.slice(1).reduce((acc, e) => derived(kind, [acc, e]), operands[0]);
}

/** Printed atoms longer than this get a short interned name, so nesting can't grow them exponentially. */
const MAX_ATOM_NAME = 96;
const internedNames = new Map<string, string>();

function derived(kind: DerivedKind, args: readonly Expr[]): Expr {
  const full =
    kind === 'floor' ? `floor((${args[0]}) / ${parenthesize(args[1])})`
    : kind === 'ceil' ? `ceil((${args[0]}) / ${parenthesize(args[1])})`
    : kind === 'mod' ? `(${args[0]}) mod ${parenthesize(args[1])}`
    : `${kind}(${args[0]}, ${args[1]})`;
  let name = full;
  if (full.length > MAX_ATOM_NAME) {
    // Sliced masks and concatenated caches nest min/max per layer; keep the definition, shorten the name.
    name = internedNames.get(full) ?? `${kind}#${internedNames.size + 1}`;
    internedNames.set(full, name);
  }
  if (!derivedAtoms.has(name)) derivedAtoms.set(name, { kind, args });
  return Expr.symbol(name);
}

function parenthesize(e: Expr): string {
  return e.isConstant || e.terms.size === 1 && e.terms.values().next().value === 1n ? e.toString() : `(${e})`;
}

/** Substitutes into one atom; `memo` holds derived atoms already done under these bindings. */
function substituteAtom(atom: string, bindings: ReadonlyMap<string, Expr>, memo: Map<string, Expr>): Expr {
  const def = derivedAtoms.get(atom);
  if (!def) return bindings.get(atom) ?? Expr.symbol(atom);
  const known = memo.get(atom);
  if (known) return known;
  const [a, b] = def.args.map((x) => x.substitute(bindings, memo));
  let result: Expr;
  switch (def.kind) {
    case 'floor': result = a.floorDiv(b); break;
    case 'ceil': result = a.ceilDiv(b); break;
    case 'mod': result = a.mod(b); break;
    case 'min': result = a.min(b); break;
    case 'max': result = a.max(b); break;
  }
  memo.set(atom, result);
  return result;
}

const ZERO = SMALL[1];

export const ZERO_EXPR = ZERO;
export const ONE_EXPR = Expr.constant(1);

/** Product of a list of expressions (the element count of a shape). */
export function product(dims: readonly Expr[]): Expr {
  // Leading static dims multiply as bigints, without an expression per step.
  let constant = 1n;
  let i = 0;
  for (; i < dims.length; i++) {
    const c = dims[i].constantValue;
    if (c === undefined) break;
    constant *= c;
  }
  let p = Expr.constant(constant);
  for (; i < dims.length; i++) p = p.mul(dims[i]);
  return p;
}

/**
 * Sum of a list of expressions, accumulated in place: a running total is not rebuilt per value, and each
 * distinct (interned) expression is expanded once, times the number of its occurrences.
 */
export function sum(values: Iterable<Expr>): Expr {
  const constants = new ExactSum(); // most values are small constants: added as numbers, no bigint each
  const occurrences = new Map<Expr, number>();
  // By index: a report sums 100,000 values once, and a for-of allocates per element until it is optimized.
  const list = Array.isArray(values) ? (values as readonly Expr[]) : [...values];
  for (let i = 0; i < list.length; i++) {
    const v = list[i];
    const c = v.constantValue;
    if (c === undefined) occurrences.set(v, (occurrences.get(v) ?? 0) + 1);
    else constants.add(v.asNumber ?? c);
  }
  const terms = new Map<string, bigint>();
  for (const [e, times] of occurrences) {
    const n = BigInt(times);
    e.terms.forEach((coefficient, k) => terms.set(k, (terms.get(k) ?? 0n) + coefficient * n));
  }
  const constant = constants.value;
  if (constant !== 0n) terms.set('', (terms.get('') ?? 0n) + constant);
  for (const [k, coefficient] of terms) if (coefficient === 0n) terms.delete(k);
  return fromTerms(terms);
}
