/** Why a model could not be profiled at all. Everything short of this is a diagnostic in the report. */
export type LoadErrorCode =
  | 'not-onnx'
  | 'other-format'
  | 'empty-file'
  | 'truncated'
  | 'malformed'
  | 'unsupported-ir-version'
  | 'limit-exceeded'
  | 'external-data-escape'
  | 'io-error';

/**
 * A model that cannot be profiled. `message` is one line that names the problem and, where there is
 * one, the byte offset and field path, so the CLI and the editor can show it as is.
 */
export class OnnxLoadError extends Error {
  override readonly name = 'OnnxLoadError';

  constructor(
    readonly code: LoadErrorCode,
    message: string,
    readonly byteOffset?: number,
    readonly fieldPath?: string,
  ) {
    super(message);
  }
}
