/**
 * Scales are weight bytes, not parameters. Quantized operators declare their scale inputs (QUANTIZATION_INPUTS
 * in ops/families/quantization.ts); ONNX Runtime's dynamic quantization, though, multiplies a weight's scale
 * into the activation scale with a plain Mul (Mul(DynamicQuantizeLinear's scale, w_scale), then a Mul of the
 * integer product by it), which no op rule can tell from a Mul by a parameter. This pass finds those Muls in
 * a profile and counts their constant inputs as no parameters. Pure.
 */
import type { GraphProfile, NodeProfile } from './graphInference';
import { ZERO_EXPR } from '../shapes/expr';

/** Outputs of DynamicQuantizeLinear that are scales (its second output). */
function dynamicScales(profile: GraphProfile): Set<string> {
  const scales = new Set<string>();
  for (const n of profile.nodes) if (n.opType === 'DynamicQuantizeLinear' && n.domain === '' && n.outputs[1]) scales.add(n.outputs[1].name);
  return scales;
}

/** The profile with the weights multiplied into dynamic quantization scales counted as no parameters. */
export function withoutScaleParameters(profile: GraphProfile): GraphProfile {
  const scales = dynamicScales(profile);
  if (scales.size === 0) return profile;
  const scaleWeights = new Set<string>();
  for (const n of profile.nodes) {
    if (n.opType !== 'Mul' || n.domain !== '' || !n.inputs.some((i) => i !== undefined && scales.has(i.name))) continue;
    for (const i of n.inputs) if (i?.isWeight && profile.weights.has(i.name)) scaleWeights.add(i.name);
  }
  if (scaleWeights.size === 0) return profile;
  // A weight's params belong to the first node that uses it.
  const weights = new Map(profile.weights);
  const claimed = new Set<string>();
  const nodes = profile.nodes.map((n): NodeProfile => {
    let params = n.params;
    for (const name of n.weightInputs) {
      if (claimed.has(name)) continue;
      claimed.add(name);
      const w = weights.get(name);
      if (!w || !scaleWeights.has(name)) continue;
      params = params.sub(w.elements);
      weights.set(name, { ...w, elements: ZERO_EXPR });
    }
    return params === n.params ? n : { ...n, params };
  });
  return { ...profile, nodes, weights };
}
