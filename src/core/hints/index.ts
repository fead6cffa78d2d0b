/** Optimisation hints: MoE what-ifs, precision candidates, fusions, sparsity, KV cache, static-graph warnings. */
export * from './hintTypes';
export * from './whatIf';
export * from './kvCache';
export * from './precision';
export * from './patterns';
export * from './weightStats';
export * from './buildHints';
