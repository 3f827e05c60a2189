import { spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { directInterpreter } from './find-python.ts';
import { fileURLToPath } from 'node:url';
import type { Mount } from '../driver.ts';

const HELPER = fileURLToPath(new URL('./mount-namespace.py', import.meta.url));

/** `python`: the interpreter to start the helper with (the real executable behind a launcher script such as pyenv's shim). */
export type MountSupport = { ok: true; python: string } | { ok: false; reason: string };

const probed = new Map<string, MountSupport>();

/**
 * Whether this host lets a workload run in a private mount namespace with folders bind-mounted
 * (as root: a mount namespace; otherwise user + mount namespaces). Asked once per interpreter and
 * stage folder by running the helper for real; the answer names why not.
 */
export function mountNamespaceSupport(python: string | undefined, stage: string): MountSupport {
  if (python === undefined) return { ok: false, reason: 'python3, which sets up the mount namespace, is not on PATH' };
  const key = `${python}\0${stage}`;
  let support = probed.get(key);
  if (!support) {
    mkdirSync(stage, { recursive: true });
    // The helper starts once per mounted workload: a shim (pyenv's is three bash scripts) would cost more than the workload.
    const direct = directInterpreter(python);
    const probe = spawnSync(direct, ['-I', '-S', HELPER, stage, '/', '1', stage, '/berth-probe-mount', '--', 'true'], { encoding: 'utf8', timeout: 10_000 });
    support = probe.status === 0 ? { ok: true, python: direct } : { ok: false, reason: (probe.stderr || probe.error?.message || `exit ${probe.status}`).trim().replace(/^berth: /, '') };
    probed.set(key, support);
  }
  return support;
}

/** `command` run by the helper inside its own mount namespace with `mounts` (binds) in place, in `cwd`. */
export function inMountNamespace(python: string, stage: string, cwd: string, mounts: Mount[], command: string[]): string[] {
  return [python, '-I', '-S', HELPER, stage, cwd, String(mounts.length), ...mounts.flatMap((m) => [m.source, m.target]), '--', ...command];
}
