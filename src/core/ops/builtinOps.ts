import type { OpHandler } from './opHandler';
import { OpRegistry } from './opRegistry';
import { attentionOps } from './families/attention';
import { contribActivationOps } from './families/contribActivations';
import { controlFlowOps } from './families/controlFlow';
import { convolutionOps } from './families/convolution';
import { dataMovementOps } from './families/dataMovement';
import { elementwiseOps } from './families/elementwise';
import { generationOps } from './families/generation';
import { linearAttentionOps } from './families/linearAttention';
import { matmulOps } from './families/matmul';
import { miscOps } from './families/misc';
import { mlOps } from './families/mlOps';
import { moeOps } from './families/moe';
import { normalizationOps } from './families/normalization';
import { ortTrainingOps } from './families/ortTraining';
import { poolingOps } from './families/pooling';
import { quantizationOps, withQuantizationInputs } from './families/quantization';
import { recurrentOps } from './families/recurrent';
import { reductionOps } from './families/reduction';
import { sequenceOps } from './families/sequences';
import { shapeOps } from './families/shapeOps';
import { tensorrtPluginOps } from './families/tensorrtPlugins';
import { trainingOps } from './families/training';

/** Every op family: the one list the default registry is built from. */
export const BUILTIN_OP_FAMILIES: Readonly<Record<string, readonly OpHandler[]>> = {
  elementwise: elementwiseOps,
  matmul: matmulOps,
  convolution: convolutionOps,
  pooling: poolingOps,
  recurrent: recurrentOps,
  attention: attentionOps,
  linearAttention: linearAttentionOps,
  normalization: normalizationOps,
  reduction: reductionOps,
  contribActivations: contribActivationOps,
  quantization: quantizationOps,
  moe: moeOps,
  generation: generationOps,
  dataMovement: dataMovementOps,
  shapeOps: shapeOps,
  controlFlow: controlFlowOps,
  sequences: sequenceOps,
  misc: miscOps,
  training: trainingOps,
  ortTraining: ortTrainingOps,
  ml: mlOps,
  tensorrtPlugins: tensorrtPluginOps,
};

let defaultRegistry: OpRegistry | undefined;

export function builtinRegistry(): OpRegistry {
  defaultRegistry ??= new OpRegistry(Object.values(BUILTIN_OP_FAMILIES).flat().map(withQuantizationInputs));
  return defaultRegistry;
}
