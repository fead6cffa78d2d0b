import { type GraphProfile, inferModel, type ProfileOptions } from './analysis/graphInference';
import type { ByteSource, FileSystem } from './io/byteSource';
import { loadModel } from './onnx/loader';
import type { OnnxModel } from './onnx/model';
import { TensorValueReader } from './onnx/tensorValues';
import { builtinRegistry } from './ops/builtinOps';
import type { OpRegistry } from './ops/opRegistry';
import { withoutScaleParameters } from './analysis/dequantizationScales';
import { annotateEffectivePrecision } from './analysis/effectivePrecision';
import { buildReport, tensorSummary } from './report/buildReport';
import type { ProfileReport } from './report/reportTypes';
import { makeWeightSampler, type WeightSampler } from './hints/weightStats';

export interface ProfileRequest extends ProfileOptions {
  readonly path: string;
  readonly source: ByteSource;
  readonly fileSystem?: FileSystem;
  readonly registry?: OpRegistry;
}

/** A loaded model that can be profiled again under other bindings without re-reading the file. */
export class LoadedModel {
  private constructor(
    readonly model: OnnxModel,
    private readonly request: Omit<ProfileRequest, keyof ProfileOptions>,
    private readonly values: TensorValueReader,
    private readonly registry: OpRegistry,
  ) {}

  static load(request: Omit<ProfileRequest, keyof ProfileOptions>): LoadedModel {
    const model = loadModel(request.source, { path: request.path, fileSystem: request.fileSystem });
    return new LoadedModel(model, request, new TensorValueReader(request.source, request.fileSystem), request.registry ?? builtinRegistry());
  }

  /** Reads bounded samples of named weights (for quantization-risk hints); valid while the source is open. */
  weightSampler(): WeightSampler {
    return makeWeightSampler(this.model, this.request.source, this.request.fileSystem);
  }

  profile(options: ProfileOptions = {}): ProfileReport {
    return reportOf(this.model, inferModel(this.model, this.registry, this.values, options), options.bindings ?? new Map());
  }
}

/** The report of a profiled model: counts evaluated, then each node's effective precision. */
export function reportOf(model: OnnxModel, profile: GraphProfile, bindings: ReadonlyMap<string, number>): ProfileReport {
  const report = buildReport(model, withoutScaleParameters(profile), bindings);
  return annotateEffectivePrecision(report, (name) => {
    const t = profile.values.get(name);
    return t && tensorSummary(t);
  });
}

/** Loads and profiles a model in one step. Throws OnnxLoadError when the file is unusable. */
export function profileModel(request: ProfileRequest): ProfileReport {
  return LoadedModel.load(request).profile(request);
}
