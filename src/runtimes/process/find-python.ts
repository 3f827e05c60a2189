import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { runnableByOthers } from './runnable-by-others.ts';

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
      if (opts.forOtherUsers && !runnableByOthers(candidate)) continue;
      return candidate;
    } catch {
      // Not here.
    }
  }
  return undefined;
}
