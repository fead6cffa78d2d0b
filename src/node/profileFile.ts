import * as path from 'node:path';
import type { ProfileOptions } from '../core/analysis/graphInference';
import type { FileSystem } from '../core/io/byteSource';
import { OnnxLoadError } from '../core/onnx/errors';
import { LoadedModel } from '../core/profile';
import type { ProfileReport } from '../core/report/reportTypes';
import { describeFileError, nodeFileSystem } from './nodeFileSystem';

/** Opens a model file from disk; the handle stays open for later profiles until `close`. */
export function openModelFile(file: string, fileSystem: FileSystem = nodeFileSystem): { model: LoadedModel; close(): void } {
  const absolute = path.resolve(file);
  let source;
  try {
    source = fileSystem.open(absolute);
  } catch (e) {
    // Name the path as the user gave it; the reason as the file system layer put it, or in words.
    if (e instanceof OnnxLoadError) throw new OnnxLoadError(e.code, e.message.replace(`'${absolute}'`, `'${file}'`));
    throw new OnnxLoadError('io-error', `cannot open '${file}': ${describeFileError(e)}`);
  }
  try {
    return { model: LoadedModel.load({ path: absolute, source, fileSystem }), close: () => source.close() };
  } catch (e) {
    source.close();
    throw e;
  }
}

/** Profiles a model file under the given bindings. Throws OnnxLoadError when the file is unusable. */
export function profileModelFile(file: string, options: ProfileOptions = {}, fileSystem?: FileSystem): ProfileReport {
  const opened = openModelFile(file, fileSystem);
  try {
    return opened.model.profile(options);
  } finally {
    opened.close();
  }
}
