/**
 * Prints a loaded model in ONNX's textual syntax (the format of onnx.printer / onnx.parser):
 *
 *   <ir_version: 8, opset_import: ["" : 17]>
 *   agraph (float[N, 128] X) => (float[N, 10] C)
 *      <float[128, 10] W>
 *   {
 *      T = MatMul (X, W)
 *      C = Add (T, B)
 *   }
 *
 * Weights are not printed (only their declarations). Subgraph attributes are printed inline, nested.
 * Pure (no vscode, no I/O): it runs in the profiling worker. Also returns, for every printed node, the
 * line it is on and the index of the matching report node, so the editor can map both ways.
 */
import { dataTypeName } from '../core/onnx/dataType';
import { AttributeType, type Attribute, type Graph, type OnnxModel, type OnnxNode, type TensorRef, type ValueInfo, type ValueType } from '../core/onnx/model';
import type { NodeReport } from '../core/report/reportTypes';

export interface GraphText {
  readonly text: string;
  /** Line (0-based) of report node `i`, or -1 when the node is not printed (function bodies). */
  readonly nodeLines: readonly number[];
}

const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;
const MAX_LIST = 16;

function id(name: string): string {
  return IDENT.test(name) ? name : JSON.stringify(name);
}

function dimText(d: number | string | undefined): string {
  return d === undefined ? '?' : typeof d === 'number' ? String(d) : id(d);
}

function typeText(t: ValueType): string {
  switch (t.kind) {
    case 'tensor':
    case 'sparse_tensor': {
      const base = t.kind === 'sparse_tensor' ? `sparse_tensor(${dataTypeName(t.dtype)})` : dataTypeName(t.dtype);
      return t.shape === undefined ? base : `${base}[${t.shape.map(dimText).join(', ')}]`;
    }
    case 'sequence':
      return `seq(${t.element ? typeText(t.element) : '?'})`;
    case 'optional':
      return `optional(${t.element ? typeText(t.element) : '?'})`;
    case 'map':
      return `map(${dataTypeName(t.keyType)}, ${t.value ? typeText(t.value) : '?'})`;
    default:
      return 'unknown';
  }
}

function valueInfoText(v: ValueInfo): string {
  return `${typeText(v.type)} ${id(v.name)}`;
}

function tensorDecl(t: TensorRef): string {
  return `${dataTypeName(t.dtype)}[${t.dims.map(String).join(', ')}] ${id(t.name)}`;
}

function list<T>(xs: readonly T[], f: (x: T) => string): string {
  const shown = xs.slice(0, MAX_LIST).map(f);
  if (xs.length > MAX_LIST) shown.push(`... ${xs.length - MAX_LIST} more`);
  return `[${shown.join(', ')}]`;
}

function floatText(x: number): string {
  return Number.isInteger(x) ? `${x}.0` : String(x);
}

class Printer {
  private readonly lines: string[] = [];
  /** Report nodes not yet matched, by first output name (SSA: unique within a graph). */
  private readonly byOutput = new Map<string, NodeReport[]>();
  private readonly nodeLines: number[];

  constructor(nodes: readonly NodeReport[]) {
    this.nodeLines = new Array<number>(nodes.length).fill(-1);
    for (const n of nodes) {
      const key = `${n.opType}\u0000${n.outputs.find((o) => o.name !== '')?.name ?? ''}\u0000${n.name}`;
      const keyNoName = `${n.opType}\u0000${n.outputs.find((o) => o.name !== '')?.name ?? ''}`;
      for (const k of [key, keyNoName]) {
        const arr = this.byOutput.get(k);
        if (arr) arr.push(n);
        else this.byOutput.set(k, [n]);
      }
    }
  }

  private match(node: OnnxNode, line: number): void {
    const out = node.outputs.find((o) => o !== '') ?? '';
    const candidates = (node.name ? this.byOutput.get(`${node.opType}\u0000${out}\u0000${node.name}`) : undefined) ?? this.byOutput.get(`${node.opType}\u0000${out}`);
    if (!candidates) return;
    const hit = candidates.find((n) => this.nodeLines[n.index] === -1);
    if (hit) this.nodeLines[hit.index] = line;
  }

  print(model: OnnxModel): GraphText {
    const header: string[] = [`ir_version: ${model.irVersion}`];
    const opsets = [...model.opsets].map(([d, v]) => `${JSON.stringify(d)} : ${v}`);
    header.push(`opset_import: [${opsets.join(', ')}]`);
    if (model.producerName) header.push(`producer_name: ${JSON.stringify(model.producerName)}`);
    if (model.producerVersion) header.push(`producer_version: ${JSON.stringify(model.producerVersion)}`);
    if (model.domain) header.push(`domain: ${JSON.stringify(model.domain)}`);
    if (model.modelVersion) header.push(`model_version: ${model.modelVersion}`);
    this.lines.push('<');
    header.forEach((h, i) => this.lines.push(`   ${h}${i < header.length - 1 ? ',' : ''}`));
    this.lines.push('>');
    this.graph(model.graph, '', model.graph.name || 'main_graph');
    for (const fn of model.functions) {
      this.lines.push('<');
      this.lines.push(`   domain: ${JSON.stringify(fn.domain)},`);
      this.lines.push(`   opset_import: [${[...fn.opsets].map(([d, v]) => `${JSON.stringify(d)} : ${v}`).join(', ')}]`);
      this.lines.push('>');
      const attrs = fn.attributeNames.length ? ` <${fn.attributeNames.map(id).join(', ')}>` : '';
      this.lines.push(`${id(fn.name)}${attrs} (${fn.inputs.map(id).join(', ')}) => (${fn.outputs.map(id).join(', ')})`);
      this.lines.push('{');
      for (const n of fn.nodes) this.node(n, '   ', false);
      this.lines.push('}');
    }
    return { text: this.lines.join('\n') + '\n', nodeLines: this.nodeLines };
  }

  /** Prints `name (inputs) => (outputs) <initializers> { nodes }`; the first line continues `prefix`. */
  private graph(g: Graph, indent: string, name: string, prefix = ''): void {
    const init = new Set(g.initializers.map((t) => t.name));
    const inputs = g.inputs.filter((v) => !init.has(v.name));
    this.lines.push(`${prefix}${id(name)} (${inputs.map(valueInfoText).join(', ')}) => (${g.outputs.map(valueInfoText).join(', ')})`);
    if (g.initializers.length > 0) {
      const decls = g.initializers.map(tensorDecl);
      this.lines.push(`${indent}   <${decls[0]}${decls.length > 1 ? ',' : '>'}`);
      for (let i = 1; i < decls.length; i++) this.lines.push(`${indent}    ${decls[i]}${i < decls.length - 1 ? ',' : '>'}`);
    }
    this.lines.push(`${indent}{`);
    for (const n of g.nodes) this.node(n, `${indent}   `, true);
    this.lines.push(`${indent}}`);
  }

  private node(n: OnnxNode, indent: string, mapped: boolean): void {
    const outs = n.outputs.map(id).join(', ');
    const op = n.domain ? `${n.domain}.${n.opType}` : n.opType;
    const simple: string[] = [];
    const graphs: Attribute[] = [];
    for (const a of n.attributes.values()) {
      if (a.type === AttributeType.GRAPH || a.type === AttributeType.GRAPHS) graphs.push(a);
      else simple.push(this.attr(a));
    }
    const attrText = simple.length ? ` <${simple.join(', ')}>` : '';
    const line = this.lines.length;
    const head = `${indent}${outs}${outs ? ' = ' : ''}${op}${attrText} (${n.inputs.map(id).join(', ')})`;
    if (mapped) this.match(n, line);
    if (graphs.length === 0) {
      this.lines.push(head);
      return;
    }
    // Subgraphs: `Y = If (cond) <then_branch = g1 (...) => (...) { ... }, else_branch = ...>`
    this.lines.push(`${head} <`);
    graphs.forEach((a, i) => {
      const gs = a.type === AttributeType.GRAPH ? (a.g ? [a.g] : []) : a.graphs;
      for (const g of gs) this.graph(g, `${indent}   `, g.name || a.name, `${indent}   ${a.name} = `);
      if (i < graphs.length - 1) this.lines[this.lines.length - 1] += ',';
    });
    this.lines.push(`${indent}>`);
  }

  private attr(a: Attribute): string {
    if (a.refAttrName) return `${a.name}: ${attrTypeName(a.type)} = @${a.refAttrName}`;
    switch (a.type) {
      case AttributeType.FLOAT:
        return `${a.name}: float = ${floatText(a.f ?? 0)}`;
      case AttributeType.INT:
        return `${a.name}: int = ${a.i ?? 0}`;
      case AttributeType.STRING:
        return `${a.name}: string = ${JSON.stringify(a.s ?? '')}`;
      case AttributeType.FLOATS:
        return `${a.name}: floats = ${list(a.floats, floatText)}`;
      case AttributeType.INTS:
        return `${a.name}: ints = ${list(a.ints, String)}`;
      case AttributeType.STRINGS:
        return `${a.name}: strings = ${list(a.strings, (s) => JSON.stringify(s))}`;
      case AttributeType.TENSOR:
        return a.t ? `${a.name}: tensor = ${dataTypeName(a.t.dtype)}[${a.t.dims.map(String).join(', ')}] {...}` : `${a.name}: tensor = ?`;
      case AttributeType.TENSORS:
        return `${a.name}: tensors = [${a.tensors.length} tensors]`;
      case AttributeType.TYPE_PROTO:
        return `${a.name}: type_proto = ${a.tp ? typeText(a.tp) : '?'}`;
      default:
        return `${a.name}: ${attrTypeName(a.type)} = ...`;
    }
  }
}

function attrTypeName(t: AttributeType): string {
  return ({ 1: 'float', 2: 'int', 3: 'string', 4: 'tensor', 5: 'graph', 6: 'floats', 7: 'ints', 8: 'strings', 9: 'tensors', 10: 'graphs', 11: 'sparse_tensor', 12: 'sparse_tensors', 13: 'type_proto', 14: 'type_protos' } as Record<number, string>)[t] ?? 'undefined';
}

/** The textual form of `model`, with the line of every report node. */
export function printGraphText(model: OnnxModel, nodes: readonly NodeReport[]): GraphText {
  return new Printer(nodes).print(model);
}
