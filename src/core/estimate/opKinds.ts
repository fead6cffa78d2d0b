/**
 * Coarse op kinds: which units an op runs on and how the calibration groups it. Pure: no I/O.
 */
import { countToNumber, type NodeReport } from '../report/reportTypes';

/** Coarse op kinds, used for calibration groups and the UI. */
export type OpKind = 'matrix' | 'elementwise' | 'normalization' | 'data-movement' | 'other';

/** Element-wise ops: one output element from the same position of each input (broadcast). */
export const ELEMENTWISE_OPS: ReadonlySet<string> = new Set([
  'Add', 'Sub', 'Mul', 'Div', 'Pow', 'Sqrt', 'Reciprocal', 'Exp', 'Log', 'Abs', 'Neg', 'Erf', 'Tanh', 'Sigmoid',
  'Relu', 'LeakyRelu', 'PRelu', 'Elu', 'Selu', 'Celu', 'Gelu', 'FastGelu', 'BiasGelu', 'QuickGelu', 'HardSigmoid',
  'HardSwish', 'Softplus', 'Softsign', 'Mish', 'Clip', 'Min', 'Max', 'Where', 'Equal', 'Less', 'Greater', 'Not',
  'And', 'Or', 'Cast', 'QuantizeLinear', 'DequantizeLinear', 'BiasAdd', 'Sin', 'Cos', 'Floor', 'Ceil', 'Round',
  'Sign', 'IsNaN', 'Mod', 'BitShift', 'ThresholdedRelu', 'Shrink', 'BatchNormalization',
]);
const NORMALIZATION_OPS = new Set([
  'LayerNormalization', 'SkipLayerNormalization', 'SimplifiedLayerNormalization', 'SkipSimplifiedLayerNormalization',
  'RMSNormalization', 'GroupNormalization', 'InstanceNormalization', 'LpNormalization', 'Softmax', 'LogSoftmax',
  'ReduceMean', 'ReduceSum', 'ReduceMax', 'ReduceMin', 'ReduceProd', 'ReduceL2', 'ReduceSumSquare', 'EmbedLayerNormalization',
]);
const DATA_MOVEMENT_OPS = new Set([
  'Reshape', 'Transpose', 'Gather', 'GatherElements', 'GatherND', 'Concat', 'Split', 'Slice', 'Squeeze', 'Unsqueeze',
  'Flatten', 'Identity', 'Expand', 'Tile', 'Pad', 'Shape', 'Size', 'Constant', 'ConstantOfShape', 'ScatterND',
  'ScatterElements', 'Resize', 'Upsample', 'DepthToSpace', 'SpaceToDepth', 'Range', 'NonZero', 'TopK',
]);
export function opKind(node: Pick<NodeReport, 'opType' | 'macs'>): OpKind {
  if (countToNumber(node.macs) > 0) return 'matrix';
  if (ELEMENTWISE_OPS.has(node.opType)) return 'elementwise';
  if (NORMALIZATION_OPS.has(node.opType)) return 'normalization';
  if (DATA_MOVEMENT_OPS.has(node.opType)) return 'data-movement';
  return 'other';
}
