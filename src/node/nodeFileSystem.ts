import * as fs from 'node:fs';
import type { ByteSource, FileSystem } from '../core/io/byteSource';
import { OnnxLoadError } from '../core/onnx/errors';

/** Why a file system error stops a read, in words (errno codes are for programs). */
export function describeFileError(e: unknown): string {
  const code = (e as NodeJS.ErrnoException).code;
  switch (code) {
    case 'ENOENT': return 'no such file';
    case 'EISDIR': return 'it is a folder, not a model file';
    case 'ENOTDIR': return 'a part of the path is a file, not a folder';
    case 'EACCES':
    case 'EPERM': return 'permission denied';
    case 'ELOOP': return 'too many symbolic links';
    case 'ENAMETOOLONG': return 'the path is too long';
    case 'EMFILE':
    case 'ENFILE': return 'too many open files';
    case 'EIO': return 'input/output error';
    default: return code ? `${(e as Error).message}` : String((e as Error).message ?? e);
  }
}

/** What a path that is not a regular file is, for the error message (a FIFO would block the reader forever). */
function notRegularKind(st: fs.Stats): string | undefined {
  if (st.isFile()) return undefined;
  if (st.isDirectory()) return 'it is a folder, not a model file';
  if (st.isFIFO()) return 'it is a FIFO (named pipe), not a regular file';
  if (st.isSocket()) return 'it is a socket, not a regular file';
  if (st.isCharacterDevice() || st.isBlockDevice()) return 'it is a device, not a regular file';
  return 'it is not a regular file';
}

/**
 * Positional reads through a file handle (pread): nothing is read that isn't asked for. Only regular
 * files are opened: a folder, FIFO, socket or device is refused by its kind before any open or read.
 * Open and read failures are OnnxLoadError('io-error') with one line naming the file and the reason.
 */
export function openFileByteSource(path: string): ByteSource & { close(): void } {
  let fd: number;
  try {
    const kind = notRegularKind(fs.statSync(path));
    if (kind) throw new OnnxLoadError('io-error', `cannot open '${path}': ${kind}`);
    fd = fs.openSync(path, 'r');
  } catch (e) {
    if (e instanceof OnnxLoadError) throw e;
    throw new OnnxLoadError('io-error', `cannot open '${path}': ${describeFileError(e)}`);
  }
  const byteLength = fs.fstatSync(fd).size;
  return {
    byteLength,
    read(offset: number, length: number): Uint8Array {
      const n = Math.max(0, Math.min(length, byteLength - offset));
      const buffer = Buffer.allocUnsafe(n);
      let done = 0;
      try {
        while (done < n) {
          const got = fs.readSync(fd, buffer, done, n - done, offset + done);
          if (got === 0) break;
          done += got;
        }
      } catch (e) {
        throw new OnnxLoadError('io-error', `cannot read '${path}' at byte ${offset + done}: ${describeFileError(e)}`);
      }
      return done === n ? buffer : buffer.subarray(0, done);
    },
    close: () => fs.closeSync(fd),
  };
}

export const nodeFileSystem: FileSystem = {
  open: openFileByteSource,
  sizeOf(path) {
    try {
      const st = fs.statSync(path);
      return st.isFile() ? st.size : undefined;
    } catch {
      return undefined;
    }
  },
  realPath(path) {
    try {
      return fs.realpathSync(path);
    } catch {
      return undefined;
    }
  },
};
