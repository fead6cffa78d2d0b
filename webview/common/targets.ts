import { KV_CACHE_DTYPES, PRECISION_CHOICES, type PrecisionChoice } from '../../src/core/estimate/precision';

/** How the pickers name a precision choice (a KV-cache dtype is named as the precision it stores). */
const LABELS: Readonly<Record<PrecisionChoice, string>> = {
  fp64: 'FP64',
  fp32: 'FP32',
  tf32: 'TF32',
  bf16: 'BF16',
  fp16: 'FP16',
  fp8: 'FP8',
  int8: 'INT8',
  'int8-weight-only': 'INT8 (weight-only)',
  int4: 'INT4 (weight-only)',
  fp4: 'FP4 (NVFP4)',
};

/**
 * Precisions the pickers offer ('' = as in the model): the core's PRECISION_CHOICES, which the protocol accepts,
 * less tf32, which the pickers leave out.
 */
export const PRECISIONS: readonly { value: string; label: string }[] = [
  { value: '', label: 'As in model' },
  ...PRECISION_CHOICES.filter((p) => p !== 'tf32').map((p) => ({ value: p, label: LABELS[p] })),
];

/** KV-cache dtypes the decoder controls offer ('' = as the activations): the core's KV_CACHE_DTYPES. */
export const KV_CACHE_OPTIONS: readonly { value: string; label: string }[] = [
  { value: '', label: 'As activations' },
  ...KV_CACHE_DTYPES.map((d) => ({ value: d, label: LABELS[d] })),
];
