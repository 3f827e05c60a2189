import { spawn } from 'node:child_process';
import { statSync } from 'node:fs';
import { BerthError } from '../../errors.ts';
import type { ExecResult } from '../driver.ts';

export interface RunOptions {
  cwd: string;
  env: Record<string, string>;
  /** Kills the command's whole process group after this long; the result then has code null. */
  timeoutMs?: number;
}

/** Runs argv (no shell) in its own process group and captures its output. A missing program gives code 127. */
export function runCaptured(argv: string[], opts: RunOptions): Promise<ExecResult> {
  const [program, ...args] = argv;
  if (program === undefined) {
    return Promise.reject(new BerthError('BERTH_E_DRIVER', 'exec needs a command: argv is empty', { problems: [{ path: 'argv', message: 'must not be empty' }] }));
  }
  return new Promise<ExecResult>((resolve, reject) => {
    const child = spawn(program, args, { cwd: opts.cwd, env: opts.env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    child.stdout.setEncoding('utf8').on('data', (data: string) => (stdout += data));
    child.stderr.setEncoding('utf8').on('data', (data: string) => (stderr += data));
    const { pid } = child;
    const timer = opts.timeoutMs === undefined || pid === undefined ? undefined : setTimeout(() => {
      timedOut = true;
      try {
        process.kill(-pid, 'SIGKILL');
      } catch {
        // Already gone.
      }
    }, opts.timeoutMs);
    child.once('error', (error: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      if (error.code === 'ENOENT' && isDirectory(opts.cwd)) resolve({ code: 127, stdout: '', stderr: `${program}: not found\n` });
      else reject(new BerthError('BERTH_E_DRIVER', `exec could not run ${program} in ${opts.cwd}: ${error.message}`, { cause: error }));
    });
    child.once('close', (code) => {
      clearTimeout(timer);
      if (timedOut) stderr += `[berth] exec killed after ${opts.timeoutMs} ms (timeoutMs)\n`;
      resolve({ code: timedOut ? null : code, stdout, stderr });
    });
  });
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}
