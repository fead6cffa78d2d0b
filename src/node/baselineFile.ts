/**
 * Reads a baseline for a comparison (src/core/report/baseline.ts) from disk: a report saved with `--format json`
 * (read and checked), or an ONNX model, which the caller profiles with its own options. The CLI and the
 * extension's worker both read baselines here, so a file means the same to both.
 */
import * as fs from 'node:fs';
import { BaselineReportError, type ComparableReport, readComparableReport } from '../core/report/baseline';
import { openFileByteSource } from './nodeFileSystem';

/**
 * The baseline at `file`. Throws OnnxLoadError for a path that cannot be opened (missing, a folder, a FIFO),
 * BaselineReportError for a report that is not one (the message names the field), and whatever `profileModel`
 * throws for a model (OnnxLoadError for a bad one).
 */
export function readBaselineFile(file: string, profileModel: (file: string) => ComparableReport): ComparableReport {
  return isSavedReport(file) ? readSavedReport(file) : profileModel(file);
}

/** A report saved as JSON, checked (BaselineReportError names the first bad field). */
export function readSavedReport(file: string): ComparableReport {
  let json: unknown;
  try {
    json = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    throw new BaselineReportError(e instanceof SyntaxError ? `not valid JSON: ${e.message}` : `cannot read it: ${(e as Error).message}`);
  }
  return readComparableReport(json);
}

/**
 * Whether `file` is a saved report rather than a model: a JSON report starts with '{' (after white space), a
 * protobuf never does. Read through the model reader's byte source, so a folder, FIFO or device is refused by its
 * kind (OnnxLoadError) before anything blocks.
 */
export function isSavedReport(file: string): boolean {
  const source = openFileByteSource(file);
  try {
    return Buffer.from(source.read(0, 64)).toString('latin1').trimStart().startsWith('{');
  } finally {
    source.close();
  }
}
