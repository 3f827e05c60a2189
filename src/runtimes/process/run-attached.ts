import { spawn } from 'node:child_process';
import { constants } from 'node:os';
import { BerthError } from '../../errors.ts';
import type { ExecResult } from '../driver.ts';
import type { RunOptions } from './run-captured.ts';

const TERMINAL_SIGNALS = ['SIGINT', 'SIGQUIT'] as const;

/**
 * Runs argv (no shell) on the caller's stdin, stdout and stderr, in the caller's process group so a
 * terminal's job control and Ctrl-C reach it; Berth ignores those keys while it runs. A missing
 * program gives code 127; a command ended by a signal gives 128 + its number, as shells report it.
 */
export function runAttached(argv: string[], opts: RunOptions): Promise<ExecResult> {
  const [program, ...args] = argv;
  if (program === undefined) {
    return Promise.reject(new BerthError('BERTH_E_DRIVER', 'exec needs a command: argv is empty', { problems: [{ path: 'argv', message: 'must not be empty' }] }));
  }
  const ignore = (): void => undefined;
  for (const signal of TERMINAL_SIGNALS) process.on(signal, ignore);
  return new Promise<ExecResult>((resolve) => {
    const child = spawn(program, args, { cwd: opts.cwd, env: opts.env, stdio: 'inherit' });
    const timer = opts.timeoutMs === undefined ? undefined : setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs);
    const done = (code: number | null): void => {
      clearTimeout(timer);
      for (const signal of TERMINAL_SIGNALS) process.off(signal, ignore);
      resolve({ code, stdout: '', stderr: '' });
    };
    child.once('error', (error: NodeJS.ErrnoException) => {
      process.stderr.write(`${program}: ${error.code === 'ENOENT' ? 'not found' : error.message}\n`);
      done(error.code === 'ENOENT' ? 127 : 126);
    });
    child.once('exit', (code, signal) => done(code ?? (signal ? 128 + signalNumber(signal) : null)));
  });
}

function signalNumber(signal: NodeJS.Signals): number {
  return (constants.signals as Record<string, number>)[signal] ?? 0;
}
