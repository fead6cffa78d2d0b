/**
 * `batch: 'max'` in the pipeline: the serving search (estimate/serving.ts) per target, over profiles of the
 * model at the batches it tries, each with the analysis's bindings and what-if changes.
 */
import type { DecoderInfo, LlmEstimate } from '../estimate/llm';
import { estimateOnTarget, type ModelEstimate, type ModelEstimateOptions } from '../estimate/modelEstimate';
import { planLlmServing, planOfflineServing } from '../estimate/serving';
import type { HardwareEntry } from '../hardware/hardwareTypes';
import type { ProfileReport } from '../report/reportTypes';
import type { ProfileSource } from './profileCache';

export interface ServingContext {
  readonly source: ProfileSource;
  /** The user's bindings: they win over the search's (a fixed cache length, say). */
  readonly userBindings: ReadonlyMap<string, number>;
  /** The model's batch dim (unbound by the user). */
  readonly batchDim: string;
  /** A report with the analysis's what-if changes for one target (itself without what-ifs). */
  readonly changed: (report: ProfileReport, target: HardwareEntry) => ProfileReport;
  readonly estimate: ModelEstimateOptions;
  /** The deployment's chip count (`--chips`), if fixed. */
  readonly chips?: number;
}

export class ServingSearch {
  /** Profiles by bindings for this analysis: targets share the batches the search tries. */
  private readonly profiles = new Map<string, ProfileReport>();

  constructor(private readonly context: ServingContext) {}

  /** A model run once per batch: the batch and layout with the most samples/s per chip. */
  offline(target: HardwareEntry): ModelEstimate {
    const { plan, estimate } = planOfflineServing((batch) => this.at(target, { [this.context.batchDim]: batch }), target, this.context.estimate, { chips: this.context.chips });
    return { ...estimate, serving: plan };
  }

  /**
   * A decoder: the sequences in flight and layout with the most output tokens/s per chip; and the whole-graph
   * estimate of one call at that batch and layout (the estimates table's row).
   */
  llm(target: HardwareEntry, decoder: DecoderInfo, promptTokens: number, outputTokens: number): { llm: LlmEstimate; estimate: ModelEstimate } {
    const { plan, estimate } = planLlmServing((bindings) => this.at(target, bindings), decoder, target, { ...this.context.estimate, promptTokens, outputTokens }, { chips: this.context.chips });
    const call = estimateOnTarget(this.at(target, { [this.context.batchDim]: plan.batch }), target, { ...this.context.estimate, batch: plan.batch, chips: plan.chipsPerInstance });
    return { llm: { ...estimate, serving: plan }, estimate: { ...call, serving: plan } };
  }

  private at(target: HardwareEntry, bindings: Readonly<Record<string, number>>): ProfileReport {
    // The search's own dims (the batch, an LLM phase's lengths) over the user's bindings of them (llmPhaseBindings).
    const all = new Map([...this.context.userBindings, ...Object.entries(bindings)]);
    const key = [...all].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([k, v]) => `${k}=${v}`).join('\u0000');
    let report = this.profiles.get(key);
    if (!report) this.profiles.set(key, (report = this.context.source.profile({ bindings: all })));
    return this.context.changed(report, target);
  }
}
