import type { OpHandler } from './opHandler';

/**
 * Op handlers keyed by domain and op type, each covering a range of opset versions. Resolution
 * follows ONNX Runtime: the handler whose range holds the model's opset for that domain.
 * Overlapping ranges are a programming error and throw at registration.
 */
export class OpRegistry {
  private readonly handlers = new Map<string, OpHandler[]>();
  /** The same lists by domain, then op type: resolve() builds no key string per node. */
  private readonly byDomain = new Map<string, Map<string, OpHandler[]>>();

  constructor(handlers: readonly OpHandler[] = []) {
    handlers.forEach((h) => this.register(h));
  }

  register(handler: OpHandler): void {
    const key = registryKey(handler.domain, handler.opType);
    const list = this.handlers.get(key) ?? [];
    const lo = handler.sinceVersion;
    const hi = handler.untilVersion ?? Infinity;
    for (const other of list) {
      const otherHi = other.untilVersion ?? Infinity;
      if (lo <= otherHi && other.sinceVersion <= hi) {
        throw new Error(`op handler ranges overlap for ${key}: ${lo}-${hi} and ${other.sinceVersion}-${otherHi}`);
      }
    }
    list.push(handler);
    list.sort((a, b) => a.sinceVersion - b.sinceVersion);
    this.handlers.set(key, list);
    const domain = handler.domain === 'ai.onnx' ? '' : handler.domain;
    let byOpType = this.byDomain.get(domain);
    if (!byOpType) this.byDomain.set(domain, (byOpType = new Map()));
    byOpType.set(handler.opType, list);
  }

  resolve(opType: string, domain: string, opset: number): OpHandler | undefined {
    const list = this.byDomain.get(domain === 'ai.onnx' ? '' : domain)?.get(opType);
    if (!list) return undefined;
    for (let i = list.length - 1; i >= 0; i--) {
      const h = list[i];
      if (h.sinceVersion <= opset && opset <= (h.untilVersion ?? Infinity)) return h;
    }
    return undefined;
  }

  /** The opset ranges an op type has rules for in a domain (oldest first), for saying why none resolved. */
  versions(opType: string, domain: string): readonly { readonly since: number; readonly until?: number }[] {
    const list = this.byDomain.get(domain === 'ai.onnx' ? '' : domain)?.get(opType) ?? [];
    return list.map((h) => ({ since: h.sinceVersion, ...(h.untilVersion !== undefined ? { until: h.untilVersion } : {}) }));
  }

  /** Every (domain, opType) with a rule, for coverage listings. */
  keys(): string[] {
    return [...this.handlers.keys()].sort();
  }
}

export function registryKey(domain: string, opType: string): string {
  return `${domain === '' ? 'ai.onnx' : domain}::${opType}`;
}
