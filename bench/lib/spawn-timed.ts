import { spawn } from 'node:child_process';

export interface TimedResult {
  code: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
  /** Spawn → exit, monotonic clock. */
  wallMs: number;
  /** Set when the process could not start or ran past its time limit. */
  error?: string;
}

export interface TimedOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  timeoutMs: number;
}

/** Runs a program to its end, capturing its output, and times it from spawn to exit. */
export function spawnTimed(cmd: string, args: string[], opts: TimedOptions): Promise<TimedResult> {
  return new Promise((resolve) => {
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let exitedAt: bigint | null = null;
    let error: string | undefined;
    const t0 = process.hrtime.bigint();
    const child = spawn(cmd, args, { cwd: opts.cwd, env: opts.env, stdio: ['ignore', 'pipe', 'pipe'] });
    const timer = setTimeout(() => {
      error = `still running after ${opts.timeoutMs} ms: killed`;
      child.kill('SIGKILL');
    }, opts.timeoutMs);
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.on('error', (e) => (error = e.message));
    child.on('exit', () => (exitedAt = process.hrtime.bigint()));
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const end = exitedAt ?? process.hrtime.bigint();
      resolve({
        code,
        signal,
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
        wallMs: Number(end - t0) / 1e6,
        error,
      });
    });
  });
}
