import * as fs from 'node:fs';
import { runCli } from './main';

/**
 * Output goes straight to the file descriptors: the stream machinery behind process.stdout would cost more to
 * load than a small profile takes. stdout is gathered in one reused buffer and written when it fills: a
 * 100,000-node report is about 100 MB of JSON in thousands of pieces, and a buffer of their own for each
 * (Buffer.from) cost a malloc, a free and a tracked ArrayBuffer per piece. A reader that closes the pipe early
 * (`onnx-profile model.onnx | head`) ends the command quietly.
 */
class FdWriter {
  private readonly buffer = Buffer.allocUnsafe(1 << 20);
  private used = 0;

  constructor(private readonly fd: number) {}

  write(text: string): void {
    // A UTF-16 code unit takes at most 3 bytes of UTF-8, so text.length * 3 bytes always hold the text.
    if (this.used + text.length * 3 > this.buffer.length) {
      this.flush();
      if (text.length * 3 > this.buffer.length) {
        writeAll(this.fd, Buffer.from(text, 'utf8'));
        return;
      }
    }
    this.used += this.buffer.write(text, this.used, 'utf8');
  }

  flush(): void {
    if (this.used === 0) return;
    const used = this.used;
    this.used = 0;
    writeAll(this.fd, this.buffer.subarray(0, used));
  }
}

const stdout = new FdWriter(1);
try {
  process.exitCode = runCli(process.argv.slice(2), {
    stdout: (t) => stdout.write(t),
    stderr: (t) => {
      stdout.flush(); // in the order written
      writeAll(2, Buffer.from(t, 'utf8'));
    },
  });
} finally {
  stdout.flush();
}

function writeAll(fd: number, bytes: Uint8Array): void {
  for (let done = 0; done < bytes.length; ) {
    try {
      done += fs.writeSync(fd, bytes, done, bytes.length - done);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'EAGAIN') continue; // a non-blocking pipe that is full: try again
      if (code === 'EPIPE') process.exit(process.exitCode ?? 0);
      throw e;
    }
  }
}
