import { accessSync, constants, realpathSync, statSync } from 'node:fs';
import { delimiter, dirname, join } from 'node:path';

/**
 * The first executable `python3` on a PATH string, or undefined. `forOtherUsers`: only one that
 * every user can run (the file and each folder above it, through symlinks, open to others) — what
 * workloads dropped to the unprivileged workload user need; an interpreter under /root (pyenv) is skipped.
 */
export function findPython(path: string | undefined, opts: { forOtherUsers?: boolean } = {}): string | undefined {
  for (const dir of (path ?? '').split(delimiter)) {
    if (dir === '') continue;
    const candidate = join(dir, 'python3');
    try {
      accessSync(candidate, constants.X_OK);
      if (!statSync(candidate).isFile()) continue;
      if (opts.forOtherUsers && !(runnableByOthers(candidate) && runnableByOthers(realpathSync(candidate)))) continue;
      return candidate;
    } catch {
      // Not here.
    }
  }
  return undefined;
}

/** The file is readable and executable by others and every folder above it is searchable by them. */
function runnableByOthers(file: string): boolean {
  if ((statSync(file).mode & 0o005) !== 0o005) return false;
  for (let dir = dirname(file); ; dir = dirname(dir)) {
    if ((statSync(dir).mode & 0o001) === 0) return false;
    if (dir === dirname(dir)) return true;
  }
}
