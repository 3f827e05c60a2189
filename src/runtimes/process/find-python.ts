import { spawnSync } from 'node:child_process';
import { accessSync, closeSync, constants, openSync, readSync, realpathSync, statSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { pyenvShimTarget } from './pyenv-shim.ts';
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

const direct = new Map<string, string>();

/**
 * The executable behind `python` when it is a launcher script (pyenv's shim runs three bash scripts
 * on every start), asked once per process (`sys.executable`); `python` itself when it is a binary,
 * when the answer is not an executable file, or when the answer is closed to other users and
 * `python` was not (workloads dropped to another user must still be able to run it).
 */
export function directInterpreter(python: string): string {
  let found = direct.get(python);
  if (found === undefined) {
    found = python;
    if (!isBinary(python)) {
      const asked = spawnSync(python, ['-I', '-S', '-c', 'import sys; sys.stdout.write(sys.executable)'], { encoding: 'utf8', timeout: 10_000 });
      const exe = asked.status === 0 ? asked.stdout.trim() : '';
      if (usableInstead(exe, python)) found = exe;
    }
    direct.set(python, found);
  }
  return found;
}

/**
 * Settles directInterpreter's answer for a pyenv shim without running it, when pyenv's own rules
 * name one installed interpreter (pyenvShimTarget; `env` and `cwd` as the shim would see them).
 * Otherwise nothing is settled and directInterpreter asks the shim when first needed.
 */
export function settleDirectInterpreter(python: string | undefined, env: Record<string, string | undefined>, cwd: string): void {
  if (python === undefined || direct.has(python)) return;
  const exe = pyenvShimTarget(python, env, cwd);
  if (exe !== null && usableInstead(exe, python)) direct.set(python, exe);
}

function usableInstead(exe: string, python: string): boolean {
  return exe.startsWith('/') && isExecutableFile(exe) && (runnableByOthers(exe) || !runnableByOthers(realpathSync(python)));
}

function isBinary(file: string): boolean {
  try {
    const fd = openSync(file, 'r');
    try {
      const head = Buffer.alloc(4);
      return readSync(fd, head, 0, 4, 0) === 4 && head.toString('latin1') === '\x7fELF';
    } finally {
      closeSync(fd);
    }
  } catch {
    return true; // Unreadable: started as it is.
  }
}

function isExecutableFile(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return statSync(file).isFile();
  } catch {
    return false;
  }
}
