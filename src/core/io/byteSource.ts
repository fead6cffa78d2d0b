/**
 * Positional, synchronous access to bytes. The loader reads a model through this so that it can skip
 * tensor payloads without reading them; the Node adapter reads a file handle with pread.
 */
export interface ByteSource {
  readonly byteLength: number;
  /** Reads up to `length` bytes at `offset`; fewer only at the end of the source. */
  read(offset: number, length: number): Uint8Array;
}

/** The file access the core needs, so that it stays free of `node:fs` (and tests can spy on it). */
export interface FileSystem {
  /** Opens a file for positional reads; the caller closes it. Throws when missing. */
  open(path: string): ByteSource & { close(): void };
  /** Size in bytes, or undefined when there is no such file. */
  sizeOf(path: string): number | undefined;
  /** The path with every symbolic link resolved, or undefined when it does not exist. */
  realPath(path: string): string | undefined;
}

export function inMemoryByteSource(bytes: Uint8Array): ByteSource {
  return {
    byteLength: bytes.length,
    read: (offset, length) => bytes.subarray(offset, Math.min(bytes.length, offset + length)),
  };
}
