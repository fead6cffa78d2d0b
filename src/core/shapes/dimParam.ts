/**
 * dim_params that are arithmetic over the model's other dims. ONNX names a symbolic dim by a string, and
 * exporters write sums and products of the model's own dims there: ONNX Runtime's symbolic shape inference
 * ('past_seq_len+seq_len'), Hugging Face Optimum's decoders with a cache ('past_sequence_length + 1'), a
 * flattened input ('batch_size*sequence_length'). Read as the single name it spells, such a dim stays unbound
 * when its parts are bound, and the ops that meet it (an attention mask broadcast against the cache length)
 * cannot be costed. It is read as arithmetic only when every name in it is a dim the model uses on its own:
 * 'input-0_dim0' is a name, not `input` minus something. Pure.
 */
import { Expr } from './expr';

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
/**
 * Longer dim_params are left as names: exporters write a few terms, and a crafted file must not make the
 * recursive reading below deep or long (a dim_param of 10,000 nested parentheses would overflow the stack).
 */
const MAX_DIM_PARAM_LENGTH = 256;
const MAX_NESTING = 16;
const TOKEN = /\s*(?:(\d+)|([A-Za-z_][A-Za-z0-9_]*)|([-+*()]))/y;

/** A name an exporter gives a dim on its own: a bare identifier. */
export function isDimName(text: string): boolean {
  return NAME.test(text);
}

/**
 * `text` as a sum, difference or product of integers and of dims `isDim` knows (parentheses allowed), each
 * name made by `symbol`; undefined when it is a plain name, does not parse, or names anything else.
 */
export function parseDimParam(text: string, isDim: (name: string) => boolean, symbol: (name: string) => Expr): Expr | undefined {
  if (text.length > MAX_DIM_PARAM_LENGTH || isDimName(text) || !/[-+*]/.test(text)) return undefined;
  const tokens = tokenize(text);
  if (!tokens || tokens.some((t) => t.kind === 'name' && !isDim(t.text))) return undefined;
  let at = 0;
  let depth = 0;
  const peek = () => tokens[at];
  const expression = (): Expr | undefined => {
    let left = term();
    while (left && (peek()?.text === '+' || peek()?.text === '-')) {
      const op = tokens[at++].text;
      const right = term();
      left = right && (op === '+' ? left.add(right) : left.sub(right));
    }
    return left;
  };
  const term = (): Expr | undefined => {
    let left = factor();
    while (left && peek()?.text === '*') {
      at++;
      const right = factor();
      left = right && left.mul(right);
    }
    return left;
  };
  const factor = (): Expr | undefined => {
    const t = tokens[at++];
    if (!t) return undefined;
    if (t.kind === 'integer') return Number.isSafeInteger(Number(t.text)) ? Expr.constant(BigInt(t.text)) : undefined;
    if (t.kind === 'name') return symbol(t.text);
    if (t.text !== '(' || ++depth > MAX_NESTING) return undefined;
    const inner = expression();
    depth--;
    return inner && tokens[at++]?.text === ')' ? inner : undefined;
  };
  const result = expression();
  return result && at === tokens.length ? result : undefined;
}

interface Token {
  readonly kind: 'integer' | 'name' | 'operator';
  readonly text: string;
}

function tokenize(text: string): Token[] | undefined {
  const tokens: Token[] = [];
  TOKEN.lastIndex = 0;
  while (TOKEN.lastIndex < text.length) {
    if (/^\s*$/.test(text.slice(TOKEN.lastIndex))) break;
    const m = TOKEN.exec(text);
    if (!m) return undefined;
    tokens.push(m[1] !== undefined ? { kind: 'integer', text: m[1] } : m[2] !== undefined ? { kind: 'name', text: m[2] } : { kind: 'operator', text: m[3] });
  }
  return tokens;
}
