/**
 * Exact symbolic integer expressions for tensor dims and cost counts.
 *
 * An expression is a polynomial with bigint coefficients over atoms. An atom is either a symbol from
 * the model (`batch`, `sequence`) or a derived term that a polynomial cannot hold (`floor(h / 2)`,
 * `max(a, b)`), kept with its definition so it can still be evaluated once symbols are bound.
 * bigint keeps counts exact past 2^53 (FLOPs reach 1e18); canonical ordering makes equal
 * expressions print and compare equal, so `batch` broadcasts against `batch`.
 */

type DerivedKind = 'floor' | 'ceil' | 'mod' | 'min' | 'max';

interface DerivedAtom {
  readonly kind: DerivedKind;
  readonly args: readonly Expr[];
}

/** Definitions of derived atoms by their printed name. Append-only; names are canonical strings. */
const derivedAtoms = new Map<string, DerivedAtom>();

/** Monomial key: atom names sorted and joined by '\u0001' ('' is the constant term). */
const SEP = '\u0001';

export class Expr {
  private printed: string | undefined;

  /** Use Expr.constant / Expr.symbol; the map must be canonical (no zero coefficients). */
  constructor(readonly terms: ReadonlyMap<string, bigint>) {}

  static constant(value: bigint | number): Expr {
    const v = typeof value === 'bigint' ? value : toBigInt(value);
    if (v >= -1n && v <= 1024n) return SMALL[Number(v) + 1];
    return v === 0n ? ZERO : new Expr(new Map([['', v]]));
  }

  static symbol(name: string): Expr {
    if (name.length === 0) throw new Error('symbol name must not be empty');
    return new Expr(new Map([[name, 1n]]));
  }

  /** The value when the expression has no atoms, else undefined. */
  get constantValue(): bigint | undefined {
    if (this.terms.size === 0) return 0n;
    if (this.terms.size === 1) return this.terms.get('');
    return undefined;
  }

  get isConstant(): boolean {
    return this.constantValue !== undefined;
  }

  /** The value as a JS number when constant and safe, else undefined. */
  get asNumber(): number | undefined {
    const c = this.constantValue;
    if (c === undefined || c > BigInt(Number.MAX_SAFE_INTEGER) || c < BigInt(Number.MIN_SAFE_INTEGER)) return undefined;
    return Number(c);
  }

  add(other: Expr | number | bigint): Expr {
    const o = lift(other);
    if (o.terms.size === 0) return this;
    if (this.terms.size === 0) return o;
    const out = new Map(this.terms);
    for (const [k, c] of o.terms) {
      const sum = (out.get(k) ?? 0n) + c;
      if (sum === 0n) out.delete(k);
      else out.set(k, sum);
    }
    return fromTerms(out);
  }

  sub(other: Expr | number | bigint): Expr {
    return this.add(lift(other).neg());
  }

  neg(): Expr {
    const out = new Map<string, bigint>();
    for (const [k, c] of this.terms) out.set(k, -c);
    return fromTerms(out);
  }

  mul(other: Expr | number | bigint): Expr {
    const o = lift(other);
    const a = this.constantValue;
    const b = o.constantValue;
    if (a !== undefined && b !== undefined) return Expr.constant(a * b);
    if (a === 0n || b === 0n) return ZERO;
    if (a === 1n) return o;
    if (b === 1n) return this;
    const out = new Map<string, bigint>();
    for (const [ka, ca] of this.terms) {
      for (const [kb, cb] of o.terms) {
        const k = mulKeys(ka, kb);
        const sum = (out.get(k) ?? 0n) + ca * cb;
        if (sum === 0n) out.delete(k);
        else out.set(k, sum);
      }
    }
    return fromTerms(out);
  }

  /** Floor division (toward −∞), as ONNX shape formulas use it. */
  floorDiv(divisor: Expr | number | bigint): Expr {
    const d = lift(divisor);
    const dc = d.constantValue;
    if (dc === 0n) throw new RangeError('division by zero in a dim expression');
    const nc = this.constantValue;
    if (nc !== undefined && dc !== undefined) return Expr.constant(floorDivBig(nc, dc));
    if (dc === 1n) return this;
    if (dc !== undefined && [...this.terms.values()].every((c) => c % dc === 0n)) {
      const out = new Map<string, bigint>();
      for (const [k, c] of this.terms) out.set(k, c / dc);
      return fromTerms(out);
    }
    return derived('floor', [this, d]);
  }

  ceilDiv(divisor: Expr | number | bigint): Expr {
    const d = lift(divisor);
    const dc = d.constantValue;
    const nc = this.constantValue;
    if (nc !== undefined && dc !== undefined) {
      if (dc === 0n) throw new RangeError('division by zero in a dim expression');
      return Expr.constant(-floorDivBig(-nc, dc));
    }
    if (dc !== undefined && dc !== 0n && [...this.terms.values()].every((c) => c % dc === 0n)) return this.floorDiv(d);
    return derived('ceil', [this, d]);
  }

  mod(divisor: Expr | number | bigint): Expr {
    const d = lift(divisor);
    const nc = this.constantValue;
    const dc = d.constantValue;
    if (nc !== undefined && dc !== undefined) {
      if (dc === 0n) throw new RangeError('modulo by zero in a dim expression');
      return Expr.constant(nc - dc * floorDivBig(nc, dc));
    }
    return derived('mod', [this, d]);
  }

  min(other: Expr | number | bigint): Expr {
    return minMax('min', this, lift(other));
  }

  max(other: Expr | number | bigint): Expr {
    return minMax('max', this, lift(other));
  }

  equals(other: Expr): boolean {
    return this === other || this.toString() === other.toString();
  }

  /** Names of the model symbols this expression depends on, derived atoms expanded. */
  symbols(into = new Set<string>()): Set<string> {
    for (const s of this.ownSymbols()) into.add(s);
    return into;
  }

  private symbolCache: readonly string[] | undefined;

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
    if (this.terms.size === 0) return (this.printed = '0');
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

function toBigInt(value: number): bigint {
  if (!Number.isFinite(value) || !Number.isInteger(value)) throw new RangeError(`not an integer: ${value}`);
  return BigInt(value);
}

function lift(value: Expr | number | bigint): Expr {
  return value instanceof Expr ? value : Expr.constant(value);
}

function fromTerms(terms: Map<string, bigint>): Expr {
  if (terms.size === 0) return ZERO;
  if (terms.size === 1) {
    const c = terms.get('');
    if (c !== undefined) return Expr.constant(c);
  }
  return new Expr(terms);
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

const ZERO = new Expr(new Map());
const SMALL: Expr[] = [];
for (let i = -1; i <= 1024; i++) {
  SMALL.push(i === 0 ? ZERO : new Expr(new Map([['', BigInt(i)]])));
}

export const ZERO_EXPR = ZERO;
export const ONE_EXPR = Expr.constant(1);

/** Product of a list of expressions (the element count of a shape). */
export function product(dims: readonly Expr[]): Expr {
  let p = ONE_EXPR;
  for (const d of dims) p = p.mul(d);
  return p;
}

/** Sum of a list of expressions. */
export function sum(values: readonly Expr[]): Expr {
  let s = ZERO_EXPR;
  for (const v of values) s = s.add(v);
  return s;
}
