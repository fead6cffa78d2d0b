/** Precisions the pickers offer ('' = as in the model); the protocol accepts these (PRECISION_CHOICES). */
export const PRECISIONS: readonly { value: string; label: string }[] = [
  { value: '', label: 'As in model' },
  { value: 'fp32', label: 'FP32' },
  { value: 'bf16', label: 'BF16' },
  { value: 'fp16', label: 'FP16' },
  { value: 'fp8', label: 'FP8' },
  { value: 'int8', label: 'INT8' },
  { value: 'int8-weight-only', label: 'INT8 (weight-only)' },
  { value: 'int4', label: 'INT4 (weight-only)' },
  { value: 'fp4', label: 'FP4 (NVFP4)' },
];
/** KV-cache dtypes the decoder controls offer ('' = as the activations); the protocol accepts these (KV_CACHE_DTYPES). */
export const KV_CACHE_OPTIONS: readonly { value: string; label: string }[] = [
  { value: '', label: 'As activations' },
  { value: 'bf16', label: 'BF16' },
  { value: 'fp16', label: 'FP16' },
  { value: 'fp8', label: 'FP8' },
  { value: 'int8', label: 'INT8' },
];
