/** Hardware estimator: precision fallback, per-node roofline, model-level figures, LLM phases, calibration. */
export * from './precision';
export * from './roofline';
export * from './modelEstimate';
export * from './llm';
export * from './serving';
export * from './calibration';
