/** The one analysis pipeline (profile → estimates, hints, what-if, LLM, sweep, calibration) and its inputs. */
export * from './analysisTypes';
export * from './analyze';
export * from './batch';
export * from './profileCache';
export * from './targets';
export * from './whatIfSelection';
