/**
 * Helpers to build small hand-written ProfileReports and HardwareEntries for the estimator's tests and the
 * validation script. Pure (no node: imports) so it compiles with the core.
 */
import type { DeviceClass, HardwareEntry, Precision } from '../hardware/hardwareTypes';
import type { NodeReport, ProfileReport, TensorSummary } from '../report/reportTypes';

export interface NodeSpec {
  readonly name?: string;
  readonly opType: string;
  readonly domain?: string;
  readonly graphPath?: string;
  readonly status?: NodeReport['status'];
  readonly flops?: number;
  readonly macs?: number;
  readonly params?: number;
  readonly weightBytes?: number;
  readonly bytesRead?: number;
  readonly bytesWritten?: number;
  readonly computeDtype?: string;
  readonly inputs?: readonly string[];
  readonly outputs?: readonly TensorSummary[];
}

/** A NodeReport with defaults: costed, float, main graph, no work. */
export function makeNode(spec: NodeSpec, index = 0): NodeReport {
  const bytes = (spec.bytesRead ?? 0) + (spec.bytesWritten ?? 0);
  return {
    index,
    name: spec.name ?? `${spec.opType}_${index}`,
    opType: spec.opType,
    domain: spec.domain ?? '',
    graphPath: spec.graphPath ?? '',
    scope: '',
    status: spec.status ?? 'costed',
    flops: spec.flops ?? 0,
    macs: spec.macs ?? 0,
    params: spec.params ?? 0,
    weightBytes: spec.weightBytes ?? 0,
    bytesRead: spec.bytesRead ?? 0,
    bytesWritten: spec.bytesWritten ?? 0,
    arithmeticIntensity: bytes > 0 ? (spec.flops ?? 0) / bytes : null,
    computeDtype: spec.computeDtype ?? 'float',
    inputs: spec.inputs ?? [],
    outputs: spec.outputs ?? [],
    notes: [],
  };
}

export interface ReportExtras {
  readonly graphInputs?: readonly TensorSummary[];
  readonly graphOutputs?: readonly TensorSummary[];
  readonly bindings?: Readonly<Record<string, number>>;
  readonly peakActivationBytes?: number;
  /** Defaults to the sum of node weightBytes. */
  readonly weightBytes?: number;
  readonly weightBytesByDtype?: Readonly<Record<string, number>>;
  readonly path?: string;
}

/** A ProfileReport around hand-written nodes; totals are summed from the nodes. */
export function makeReport(nodes: readonly (NodeSpec | NodeReport)[], extras: ReportExtras = {}): ProfileReport {
  const ns = nodes.map((n, i) => ('index' in n && 'scope' in n ? (n as NodeReport) : makeNode(n as NodeSpec, i)));
  const sum = (k: 'flops' | 'macs' | 'params' | 'weightBytes' | 'bytesRead' | 'bytesWritten') =>
    ns.filter((n) => n.graphPath === '').reduce((s, n) => s + Number(n[k]), 0);
  const weightBytes = extras.weightBytes ?? sum('weightBytes');
  const costed = ns.filter((n) => n.status === 'costed').length;
  const unknown = ns.filter((n) => n.status === 'unknown-cost').length;
  const uncovered = ns.filter((n) => n.status === 'uncovered').length;
  return {
    schemaVersion: '1.0.0',
    tool: { name: 'test', version: '0' },
    model: { path: extras.path ?? 'test.onnx', fileBytes: 0, irVersion: 8, producer: 'test', producerVersion: '0', opsets: { 'ai.onnx': 17 }, metadata: {} },
    bindings: extras.bindings ?? {},
    unboundSymbols: [],
    totals: {
      flops: sum('flops'),
      macs: sum('macs'),
      params: sum('params'),
      weightBytes,
      weightBytesByDtype: extras.weightBytesByDtype ?? { float: weightBytes },
      bytesRead: sum('bytesRead'),
      bytesWritten: sum('bytesWritten'),
      peakActivationBytes: extras.peakActivationBytes ?? 0,
    },
    coverage: {
      nodes: ns.length,
      costedNodes: costed,
      unknownCostNodes: unknown,
      uncoveredNodes: uncovered,
      percent: ns.length ? Math.round((costed / ns.length) * 1000) / 10 : 100,
      uncoveredOpTypes: [],
    },
    graphInputs: extras.graphInputs ?? [],
    graphOutputs: extras.graphOutputs ?? [],
    nodes: ns,
    opTypes: [],
    modules: { name: '', path: '', nodeCount: ns.length, flops: 0, macs: 0, params: 0, bytesRead: 0, bytesWritten: 0, children: [] },
    diagnostics: [],
  };
}

const SRC = { url: 'https://example.invalid/test', retrieved: '2025-01-01' };

export interface DeviceSpec {
  readonly id?: string;
  readonly deviceClass?: DeviceClass;
  /** FLOP/s per precision. */
  readonly peaks: Partial<Record<Precision, number>>;
  readonly memoryBytes: number;
  readonly bandwidthBytesPerSecond: number;
  readonly powerWatts?: number;
  readonly usdPerHour?: number;
  readonly interconnectBytesPerSecond?: number;
}

/** A HardwareEntry from round numbers. */
export function makeDevice(spec: DeviceSpec): HardwareEntry {
  const peakFlopsPerSecond: Partial<Record<Precision, { value: number; source: typeof SRC }>> = {};
  for (const [p, v] of Object.entries(spec.peaks)) peakFlopsPerSecond[p as Precision] = { value: v as number, source: SRC };
  return {
    id: spec.id ?? 'test-device',
    name: spec.id ?? 'Test device',
    vendor: 'test',
    deviceClass: spec.deviceClass ?? 'gpu',
    peakFlopsPerSecond,
    memoryBytes: { value: spec.memoryBytes, source: SRC },
    memoryBandwidthBytesPerSecond: { value: spec.bandwidthBytesPerSecond, source: SRC },
    powerWatts: { value: spec.powerWatts ?? 100, source: SRC },
    ...(spec.interconnectBytesPerSecond !== undefined ? { interconnectBytesPerSecond: { value: spec.interconnectBytesPerSecond, source: SRC } } : {}),
    ...(spec.usdPerHour !== undefined ? { price: { usdPerHour: spec.usdPerHour, provider: 'test', source: SRC } } : {}),
  };
}

/** A tensor summary. */
export function t(name: string, dtype: string, shape: readonly (number | string)[] | null): TensorSummary {
  return { name, dtype, shape };
}
