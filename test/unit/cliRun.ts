/** Runs the CLI in this process, as the bin would, with its output gathered: the tests' one way to call it. */
import { runCli } from '../../src/cli/main';

export function runCliCaptured(args: readonly string[]): { code: number; stdout: string; stderr: string } {
  let stdout = '';
  let stderr = '';
  const code = runCli(args, { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t) });
  return { code, stdout, stderr };
}
