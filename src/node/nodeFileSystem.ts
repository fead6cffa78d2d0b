import * as fs from 'node:fs';
import type { ByteSource, FileSystem } from '../core/io/byteSource';

/** Positional reads through a file handle (pread): nothing is read that isn't asked for. */
export function openFileByteSource(path: string): ByteSource & { close(): void } {
  const fd = fs.openSync(path, 'r');
  const byteLength = fs.fstatSync(fd).size;
  return {
    byteLength,
    read(offset: number, length: number): Uint8Array {
      const n = Math.max(0, Math.min(length, byteLength - offset));
      const buffer = Buffer.allocUnsafe(n);
      let done = 0;
      while (done < n) {
        const got = fs.readSync(fd, buffer, done, n - done, offset + done);
        if (got === 0) break;
        done += got;
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
