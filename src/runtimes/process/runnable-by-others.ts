import { realpathSync, statSync } from 'node:fs';
import { dirname } from 'node:path';

/**
 * Whether users other than the owner can run `file`: it (and, through symlinks, its target) is
 * readable and executable by others, and every folder above each is searchable by them. What
 * workloads dropped to the unprivileged workload user need of an interpreter (one under /root is not).
 */
export function runnableByOthers(file: string): boolean {
  try {
    return openToOthers(file, 0o005) && openToOthers(realpathSync(file), 0o005);
  } catch {
    return false;
  }
}

/** Whether others can read `file` (and reach it): what a module an interpreter loads needs. */
export function readableByOthers(file: string): boolean {
  try {
    return openToOthers(realpathSync(file), 0o004);
  } catch {
    return false;
  }
}

function openToOthers(file: string, bits: number): boolean {
  if ((statSync(file).mode & bits) !== bits) return false;
  for (let dir = dirname(file); ; dir = dirname(dir)) {
    if ((statSync(dir).mode & 0o001) === 0) return false;
    if (dir === dirname(dir)) return true;
  }
}
