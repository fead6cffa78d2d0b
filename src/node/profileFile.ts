import * as path from 'node:path';
import type { ProfileOptions } from '../core/analysis/graphInference';
import type { FileSystem } from '../core/io/byteSource';
import { OnnxLoadError } from '../core/onnx/errors';
import { LoadedModel } from '../core/profile';
import type { ProfileReport } from '../core/report/reportTypes';
import { nodeFileSystem } from './nodeFileSystem';

/** Opens a model file from disk; the handle stays open for later profiles until `close`. */
export function openModelFile(file: string, fileSystem: FileSystem = nodeFileSystem): { model: LoadedModel; close(): void } {
  const absolute = path.resolve(file);
  let source;
  try {
    source = fileSystem.open(absolute);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a folder' : code === 'EACCES' ? 'permission denied' : (e as Error).message;
    throw new OnnxLoadError('io-error', `cannot open '${file}': ${why}`);
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
