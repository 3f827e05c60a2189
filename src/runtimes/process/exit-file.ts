import { readFileSync } from 'node:fs';
import type { ExitStatus } from '../driver.ts';
import { writeFileAtomic } from './write-file-atomic.ts';

/**
 * The exit file holds one line: the workload's exit code in decimal (written by the wrapper shell
 * with a single write, so a reader sees nothing or the whole line) or the name of the signal that
 * ended it (written by Berth, which saw or sent it).
 */
export function readExitFile(path: string): ExitStatus | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
  const match = /^(?:(\d+)|(SIG[A-Z0-9]+))\n/.exec(text);
  if (!match) return undefined;
  return match[1] !== undefined ? { code: Number(match[1]), signal: null } : { code: null, signal: match[2] ?? null };
}

export function writeExitFile(path: string, status: ExitStatus): void {
  const line = status.signal ?? (status.code === null ? undefined : String(status.code));
  if (line !== undefined) writeFileAtomic(path, `${line}\n`, 0o644);
}
