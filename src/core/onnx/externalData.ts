import type { FileSystem } from '../io/byteSource';
import { OnnxLoadError } from './errors';

/** ONNX Runtime's marker for tensors that live in process memory: never a file to open. */
const ORT_MEMORY_ADDRESS_MARKER = '*/_ORT_MEM_ADDR_/*';

export interface ResolvedLocation {
  readonly path: string;
  /** Size of the side file, or undefined when it is missing. */
  readonly size: number | undefined;
}

/**
 * Resolves an external-data `location` against the model's folder, refusing anything that could read
 * outside it: absolute paths, URLs, pseudo paths, `..` that climbs out, and links that lead out.
 * Nothing is opened; only the size and real path are asked for, and only inside the folder.
 */
export function resolveExternalLocation(location: string, modelDir: string, fs: FileSystem | undefined, tensorName: string): ResolvedLocation {
  const refuse = (why: string) =>
    new OnnxLoadError('external-data-escape', `external data of tensor '${tensorName}' points outside the model's folder: '${location}' ${why}`);
  if (location.length === 0) throw new OnnxLoadError('malformed', `external data of tensor '${tensorName}' has no location`);
  if (location.includes(ORT_MEMORY_ADDRESS_MARKER) || location.includes('\0')) throw refuse('is a pseudo path, not a file');
  if (/^[a-zA-Z][a-zA-Z0-9+.-]*:\/\//.test(location)) throw refuse('is a URL');
  if (location.startsWith('/') || location.startsWith('\\') || /^[a-zA-Z]:/.test(location)) throw refuse('is an absolute path');
  const parts = location.split(/[\\/]+/).filter((p) => p !== '' && p !== '.');
  let depth = 0;
  for (const part of parts) {
    depth += part === '..' ? -1 : 1;
    if (depth < 0) throw refuse('climbs out with ..');
  }
  const path = `${modelDir}/${parts.join('/')}`;
  if (!fs) return { path, size: undefined };
  const realDir = fs.realPath(modelDir);
  const realFile = fs.realPath(path);
  if (realDir !== undefined && realFile !== undefined && !isInside(realFile, realDir)) throw refuse(`is a link to '${realFile}'`);
  return { path, size: realFile === undefined ? undefined : fs.sizeOf(realFile) };
}

function isInside(path: string, dir: string): boolean {
  const d = dir.endsWith('/') || dir.endsWith('\\') ? dir : `${dir}/`;
  return path.replace(/\\/g, '/').startsWith(d.replace(/\\/g, '/'));
}
