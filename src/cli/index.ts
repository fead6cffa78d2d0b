import * as fs from 'node:fs';
import { runCli } from './main';

process.exitCode = runCli(process.argv.slice(2), {
  stdout: (t) => writeAll(1, t),
  stderr: (t) => writeAll(2, t),
});

/**
 * Writes straight to the file descriptor: the output is written in a few large pieces, and the stream
 * machinery behind process.stdout would cost more to load than a small profile takes. A reader that
 * closes the pipe early (`onnx-profile model.onnx | head`) ends the command quietly.
 */
function writeAll(fd: number, text: string): void {
  const bytes = Buffer.from(text, 'utf8');
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
