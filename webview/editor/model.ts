/**
 * What the profile view renders, built from one 'report/show': the report, settings, estimates and hints,
 * with the lookups the table needs. Per-node strings (search keys, shape texts) are built on first use,
 * so the first paint of a 50,000-row report does not wait for them.
 */
import type { MoeLayerReport, NodeReport, ProfileReport } from '../../src/core/report/reportTypes';
import { formatShape } from '../../src/core/report/units';
import type { HintPayload, ReportMessage, ViewSettings } from '../../src/protocol/messages';
import { EstimatesView, type NodeTimeView } from '../common/estimates';
import { hintsByNode } from '../common/hints';

export class Model {
  readonly report: ProfileReport;
  readonly settings: ViewSettings;
  readonly estimates: EstimatesView | null;
  readonly hints: readonly HintPayload[];
  readonly hintsByNode: ReadonlyMap<number, HintPayload[]>;
  /** node.index → position in report.nodes. */
  readonly posByIndex: ReadonlyMap<number, number>;
  /** Node index → the MoE layer it belongs to (router, routed experts, shared experts). */
  readonly moeLayerOfNode: ReadonlyMap<number, MoeLayerReport>;
  /** Module path (`/model/layers.3/moe`) → the MoE layer whose scope it is. */
  readonly moeLayerOfModule: ReadonlyMap<string, MoeLayerReport>;
  private searchKeys: string[] | undefined;
  private readonly shapeTexts: (string | undefined)[];

  constructor(msg: ReportMessage) {
    this.report = msg.report;
    this.settings = msg.settings;
    this.estimates = msg.estimates ? new EstimatesView(msg.estimates) : null;
    this.hints = msg.hints ?? [];
    this.hintsByNode = hintsByNode(this.hints);
    const pos = new Map<number, number>();
    const nodes = msg.report.nodes;
    for (let p = 0; p < nodes.length; p++) pos.set(nodes[p].index, p);
    this.posByIndex = pos;
    this.shapeTexts = new Array(nodes.length);
    const layers = msg.report.moe?.layers ?? [];
    this.moeLayerOfNode = new Map(layers.flatMap((l) => l.nodes.map((i) => [i, l] as const)));
    this.moeLayerOfModule = new Map(layers.filter((l) => l.name.startsWith('/')).map((l) => [l.name, l] as const));
  }

  get binary(): boolean {
    return this.settings.memoryUnit === 'binary';
  }

  /** The output shapes of the node at `pos`, as the table shows them. */
  shapes(pos: number): string {
    return (this.shapeTexts[pos] ??= this.report.nodes[pos].outputs.map((o) => formatShape(o.shape)).join('; '));
  }

  /** Lower-case text a filter matches against: name, op type, module and output names. */
  searchKey(pos: number): string {
    this.searchKeys ??= this.report.nodes.map((n) => `${n.name}\u0000${n.opType}\u0000${n.scope}\u0000${n.outputs.map((o) => o.name).join('\u0000')}`.toLowerCase());
    return this.searchKeys[pos];
  }

  /** The target the view shows times for: the chosen one when compared, else the best, else the first. */
  target(chosen: string): string {
    const est = this.estimates;
    if (!est || est.targets.length === 0) return '';
    if (chosen && est.target(chosen)) return chosen;
    return est.bestTarget && est.target(est.bestTarget) ? est.bestTarget : est.targets[0].target;
  }

  nodeTime(n: NodeReport, target: string): NodeTimeView | undefined {
    return target ? this.estimates?.nodeTimes(target).get(n.index) : undefined;
  }
}

/** Deeper check than the protocol validator: the fields every renderer reads. */
export function reportProblem(r: ProfileReport): string | null {
  if (!Array.isArray(r.nodes)) return 'nodes is not an array';
  for (let i = 0; i < r.nodes.length; i++) {
    const n = r.nodes[i] as unknown as Record<string, unknown>;
    if (typeof n !== 'object' || n === null || typeof n.index !== 'number' || typeof n.name !== 'string' || typeof n.opType !== 'string' || !Array.isArray(n.outputs) || !Array.isArray(n.inputs)) {
      return `node ${i} is malformed`;
    }
  }
  const t = r.totals as unknown as Record<string, unknown>;
  if (typeof r.model !== 'object' || r.model === null || typeof r.coverage !== 'object' || r.coverage === null) return 'model or coverage missing';
  if (typeof t.weightBytesByDtype !== 'object' || t.weightBytesByDtype === null) return 'totals.weightBytesByDtype missing';
  if (!Array.isArray(r.opTypes) || !Array.isArray(r.graphInputs) || !Array.isArray(r.unboundSymbols)) return 'opTypes, graphInputs or unboundSymbols missing';
  return null;
}
