/**
 * Reads a baseline for a comparison (src/core/report/baseline.ts) from disk: a report saved with `--format json`
 * (read and checked), or an ONNX model, which the caller profiles with its own options. The CLI and the
 * extension's worker both read baselines here, so a file means the same to both.
 */
import * as fs from 'node:fs';
import { BaselineReportError, type ComparableReport, readComparableReport } from '../core/report/baseline';

/**
 * The baseline at `file`. Throws BaselineReportError for a file that cannot be read or a report that is not one
 * (the message names the field), and whatever `profileModel` throws for a model (OnnxLoadError for a bad one).
 */
export function readBaselineFile(file: string, profileModel: (file: string) => ComparableReport): ComparableReport {
  let text: string | undefined;
  try {
    if (looksLikeJson(file)) text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new BaselineReportError(`cannot read it: ${code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a folder' : code === 'EACCES' ? 'permission denied' : (e as Error).message}`);
  }
  if (text === undefined) return profileModel(file);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new BaselineReportError(`not valid JSON: ${(e as Error).message}`);
  }
  return readComparableReport(json);
}

/** A JSON report starts with '{' (after white space); an ONNX model, a protobuf, never does. */
function looksLikeJson(file: string): boolean {
  const fd = fs.openSync(file, 'r');
  try {
    const head = Buffer.alloc(64);
    const n = fs.readSync(fd, head, 0, head.length, 0);
    return head.subarray(0, n).toString('latin1').trimStart().startsWith('{');
  } finally {
    fs.closeSync(fd);
  }
}
