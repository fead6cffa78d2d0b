import type { Attribute, Graph, TensorRef } from '../onnx/model';
import { AttributeType } from '../onnx/model';

/** Typed reads of a node's attributes, with the spec's defaults supplied by the caller. */
export class Attributes {
  constructor(private readonly attributes: ReadonlyMap<string, Attribute>) {}

  has(name: string): boolean {
    return this.attributes.has(name);
  }

  int(name: string, fallback: number): number;
  int(name: string): number | undefined;
  int(name: string, fallback?: number): number | undefined {
    const a = this.attributes.get(name);
    return a?.i ?? fallback;
  }

  float(name: string, fallback: number): number;
  float(name: string): number | undefined;
  float(name: string, fallback?: number): number | undefined {
    const a = this.attributes.get(name);
    return a?.f ?? fallback;
  }

  string(name: string, fallback: string): string;
  string(name: string): string | undefined;
  string(name: string, fallback?: string): string | undefined {
    const a = this.attributes.get(name);
    return a?.s ?? fallback;
  }

  /** INTS attribute; undefined when absent (an empty list present in the file is []). */
  ints(name: string): readonly number[] | undefined {
    const a = this.attributes.get(name);
    if (!a) return undefined;
    return a.type === AttributeType.INT && a.i !== undefined ? [a.i] : a.ints;
  }

  floats(name: string): readonly number[] | undefined {
    const a = this.attributes.get(name);
    return a ? a.floats : undefined;
  }

  strings(name: string): readonly string[] | undefined {
    const a = this.attributes.get(name);
    return a ? a.strings : undefined;
  }

  tensor(name: string): TensorRef | undefined {
    return this.attributes.get(name)?.t;
  }

  graph(name: string): Graph | undefined {
    return this.attributes.get(name)?.g;
  }

  /** Every subgraph held by any attribute (g and graphs), for control flow and custom ops alike. */
  subgraphs(): { attribute: string; graph: Graph }[] {
    const out: { attribute: string; graph: Graph }[] = [];
    for (const a of this.attributes.values()) {
      if (a.g) out.push({ attribute: a.name, graph: a.g });
      a.graphs.forEach((graph, i) => out.push({ attribute: `${a.name}[${i}]`, graph }));
    }
    return out;
  }
}
