/**
 * What the pipeline profiles from: a loaded model (`LoadedModel` fits), or a `ProfileCache` over one, which
 * keeps the last few profiles by bindings so that a change of targets, precision or what-if re-estimates
 * without re-profiling (the extension's worker keeps one per open model).
 */
import type { WeightSampler } from '../hints/weightStats';
import type { OnnxModel } from '../onnx/model';
import type { ProfileReport } from '../report/reportTypes';

export interface ProfileSource {
  readonly model: OnnxModel;
  profile(options: { readonly bindings: ReadonlyMap<string, number> }): ProfileReport;
  /** Bounded samples of named weights (quantisation-risk ratings of the precision hints). */
  weightSampler(): WeightSampler;
}

/** Bindings as a stable key: sorted name=value pairs. */
function bindingsKey(bindings: ReadonlyMap<string, number>): string {
  return [...bindings].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([k, v]) => `${k}=${v}`).join('\u0000');
}

/** A ProfileSource that returns the same report object for the same bindings while it is among the last `capacity`. */
export class ProfileCache implements ProfileSource {
  private readonly reports = new Map<string, ProfileReport>();
  private sampler: WeightSampler | undefined;

  constructor(private readonly source: ProfileSource, private readonly capacity = 4) {}

  get model(): OnnxModel {
    return this.source.model;
  }

  profile(options: { readonly bindings: ReadonlyMap<string, number> }): ProfileReport {
    const key = bindingsKey(options.bindings);
    let report = this.reports.get(key);
    if (report) this.reports.delete(key);
    else report = this.source.profile(options);
    this.reports.set(key, report); // most recent last
    while (this.reports.size > this.capacity) this.reports.delete(this.reports.keys().next().value!);
    return report;
  }

  weightSampler(): WeightSampler {
    return (this.sampler ??= this.source.weightSampler());
  }
}
