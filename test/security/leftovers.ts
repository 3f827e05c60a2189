import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Processes that belong to a test's temp folder `root`: their command line, working directory or
 * environment names it (the server, its launcher, services, steps). Never this process.
 */
export function processesUnder(root: string): Array<{ pid: number; cmdline: string }> {
  const found: Array<{ pid: number; cmdline: string }> = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name) || Number(name) === process.pid) continue;
    try {
      const cmdline = readFileSync(`/proc/${name}/cmdline`, 'utf8').replaceAll('\0', ' ').trim();
      if (cmdline === '') continue; // a zombie or a kernel thread
      let cwd = '';
      try {
        cwd = readlinkSync(`/proc/${name}/cwd`);
      } catch {
        // gone, or not ours to read
      }
      const environ = readFileSync(`/proc/${name}/environ`, 'latin1');
      if (cmdline.includes(root) || cwd === root || cwd.startsWith(`${root}/`) || environ.includes(root)) found.push({ pid: Number(name), cmdline });
    } catch {
      continue;
    }
  }
  return found;
}

/**
 * Teardown: gives what is left under `root` a few seconds to end on its own (a stopped server's
 * launcher finishing), then kills the rest. Returns what it had to kill.
 */
export async function killLeftovers(root: string): Promise<Array<{ pid: number; cmdline: string }>> {
  for (let i = 0; i < 100 && processesUnder(root).length > 0; i++) await sleep(50);
  const left = processesUnder(root);
  for (const p of left) {
    try {
      process.kill(p.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  return left;
}
