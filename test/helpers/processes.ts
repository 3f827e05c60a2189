import { readdirSync, readFileSync } from 'node:fs';

/** Processes whose command line contains `text` (this machine's /proc). */
export function processesWith(text: string): number[] {
  return readdirSync('/proc').filter((p) => /^\d+$/.test(p)).filter((p) => {
    try {
      return readFileSync(`/proc/${p}/cmdline`, 'utf8').includes(text);
    } catch {
      return false;
    }
  }).map(Number);
}
