/**
 * The default LLM request the estimate assumes when none is given: prompt and generated tokens. One source
 * for the CLI, the extension and the webview (which may import this small module, nothing else of the
 * estimator).
 */
export const DEFAULT_PROMPT_TOKENS = 512;
export const DEFAULT_OUTPUT_TOKENS = 128;
