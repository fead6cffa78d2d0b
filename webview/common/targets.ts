import type { CatalogEntrySummary } from '../../src/protocol/messages';

/** Default mix of GPUs and accelerators when the host sends no settings.targets. */
export const DEFAULT_TARGETS: readonly string[] = ['h100-sxm', 'l4', 'a100-80gb', 'tpu-v5e', 'inferentia2', 'gaudi3', 'groq-lpu'];

/** Fallback catalog when the host sends none: a copy of src/core/hardware/catalog.json ids (the webview may not import src/core/hardware). */
export const FALLBACK_CATALOG: readonly CatalogEntrySummary[] = [
  { id: "t4", name: "NVIDIA T4", deviceClass: "gpu" },
  { id: "a10", name: "NVIDIA A10", deviceClass: "gpu" },
  { id: "a100-40gb", name: "NVIDIA A100 40GB SXM4", deviceClass: "gpu" },
  { id: "a100-80gb", name: "NVIDIA A100 80GB SXM4", deviceClass: "gpu" },
  { id: "l4", name: "NVIDIA L4", deviceClass: "gpu" },
  { id: "l40s", name: "NVIDIA L40S", deviceClass: "gpu" },
  { id: "h100-sxm", name: "NVIDIA H100 SXM5 80GB", deviceClass: "gpu" },
  { id: "h100-pcie", name: "NVIDIA H100 PCIe 80GB", deviceClass: "gpu" },
  { id: "h200", name: "NVIDIA H200 SXM 141GB", deviceClass: "gpu" },
  { id: "b200", name: "NVIDIA B200 (HGX, 1000 W)", deviceClass: "gpu" },
  { id: "gh200", name: "NVIDIA GH200 Grace Hopper (96GB HBM3)", deviceClass: "gpu" },
  { id: "v100", name: "NVIDIA V100 SXM2 32GB", deviceClass: "gpu" },
  { id: "rtx-4090", name: "NVIDIA GeForce RTX 4090", deviceClass: "gpu" },
  { id: "rtx-5090", name: "NVIDIA GeForce RTX 5090", deviceClass: "gpu" },
  { id: "jetson-agx-orin", name: "NVIDIA Jetson AGX Orin 64GB", deviceClass: "edge" },
  { id: "mi250x", name: "AMD Instinct MI250X", deviceClass: "gpu" },
  { id: "mi300x", name: "AMD Instinct MI300X", deviceClass: "gpu" },
  { id: "mi325x", name: "AMD Instinct MI325X", deviceClass: "gpu" },
  { id: "mi355x", name: "AMD Instinct MI355X", deviceClass: "gpu" },
  { id: "max-1550", name: "Intel Data Center GPU Max 1550", deviceClass: "gpu" },
  { id: "tpu-v4", name: "Google Cloud TPU v4", deviceClass: "accelerator" },
  { id: "tpu-v5e", name: "Google Cloud TPU v5e", deviceClass: "accelerator" },
  { id: "tpu-v5p", name: "Google Cloud TPU v5p", deviceClass: "accelerator" },
  { id: "tpu-v6e", name: "Google Cloud TPU v6e (Trillium)", deviceClass: "accelerator" },
  { id: "tpu-v7", name: "Google Cloud TPU7x (Ironwood)", deviceClass: "accelerator" },
  { id: "inferentia2", name: "AWS Inferentia2", deviceClass: "accelerator" },
  { id: "trainium1", name: "AWS Trainium (Trn1)", deviceClass: "accelerator" },
  { id: "trainium2", name: "AWS Trainium2 (Trn2)", deviceClass: "accelerator" },
  { id: "gaudi2", name: "Intel Gaudi 2", deviceClass: "accelerator" },
  { id: "gaudi3", name: "Intel Gaudi 3 (OAM, air-cooled)", deviceClass: "accelerator" },
  { id: "groq-lpu", name: "Groq LPU (GroqChip)", deviceClass: "accelerator" },
  { id: "cerebras-wse3", name: "Cerebras WSE-3 (CS-3)", deviceClass: "accelerator" },
  { id: "sambanova-sn40l", name: "SambaNova SN40L RDU", deviceClass: "accelerator" },
  { id: "qualcomm-cloud-ai100", name: "Qualcomm Cloud AI 100 Ultra", deviceClass: "accelerator" },
  { id: "ascend-910b", name: "Huawei Ascend 910B", deviceClass: "accelerator" },
  { id: "tt-wormhole-n300", name: "Tenstorrent Wormhole n300", deviceClass: "accelerator" },
  { id: "tt-blackhole-p150", name: "Tenstorrent Blackhole p150", deviceClass: "accelerator" },
  { id: "coral-edge-tpu", name: "Google Coral Edge TPU", deviceClass: "edge" },
];

export const PRECISIONS: readonly { value: string; label: string }[] = [
  { value: '', label: 'As in model' },
  { value: 'fp32', label: 'FP32' },
  { value: 'bf16', label: 'BF16' },
  { value: 'fp16', label: 'FP16' },
  { value: 'fp8', label: 'FP8' },
  { value: 'int8', label: 'INT8' },
  { value: 'int4', label: 'INT4 (weight-only)' },
  { value: 'fp4', label: 'FP4 (NVFP4)' },
];
