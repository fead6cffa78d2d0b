/** What the serving search (serving.ts: `--batch max`, `--chips N`) chose for one target; carried on its estimates. */
export interface ServingPlan {
  /** Samples per call (sequences in flight for a decoder) of each copy of the model. */
  readonly batch: number;
  /** Chips each copy runs on (the estimator splits the copy over them). */
  readonly chipsPerInstance: number;
  /** Copies of the model. */
  readonly instances: number;
  /** All chips of the deployment (≥ instances × chipsPerInstance when the chip count is fixed). */
  readonly chips: number;
  /** Largest batch of one copy that fits its chips' memory (before the batch cap). */
  readonly maxBatchInMemory: number;
  /** Why the batch is what it is: memory is full, the runtime's batch cap, or a larger batch gains < 1%. */
  readonly limit: 'memory' | 'batch-cap' | 'saturated';
  /** Samples/s (output tokens/s for a decoder) of the deployment divided by its chips. */
  readonly throughputPerChipPerSecond: number;
  /** False when even one sample does not fit the fixed chip count: the figures are then at the chips the model needs. */
  readonly fits: boolean;
  /** The fixed chip count asked (`--chips N`) when one copy needs more: `chipsPerInstance` says how many it needs. */
  readonly chipsAsked?: number;
}
