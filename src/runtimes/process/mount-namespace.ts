import { execFile, spawnSync } from 'node:child_process';
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
  if (python === undefined) return NO_PYTHON;
  const key = `${python}\0${stage}`;
  let support = probed.get(key);
  if (!support) {
    const { direct, args } = probeCommand(python, stage);
    const probe = spawnSync(direct, args, { encoding: 'utf8', timeout: PROBE_TIMEOUT_MS });
    support = probeAnswer(direct, probe.status, probe.stderr || probe.error?.message);
    probed.set(key, support);
  }
  return support;
}

/** The same probe without blocking (started early, while the caller does other work); later asks get its answer. */
export async function probeMountNamespaceSupport(python: string | undefined, stage: string): Promise<MountSupport> {
  if (python === undefined) return NO_PYTHON;
  const key = `${python}\0${stage}`;
  const known = probed.get(key);
  if (known) return known;
  const { direct, args } = probeCommand(python, stage);
  const probe = await new Promise<{ status: number | null; stderr: string }>((resolve) => {
    execFile(direct, args, { encoding: 'utf8', timeout: PROBE_TIMEOUT_MS }, (error, _stdout, stderr) => {
      const code = error && typeof (error as { code?: unknown }).code === 'number' ? ((error as { code: number }).code) : error ? null : 0;
      resolve({ status: code, stderr: stderr || (error && code === null ? error.message : '') });
    });
  });
  const support = probed.get(key) ?? probeAnswer(direct, probe.status, probe.stderr);
  probed.set(key, support);
  return support;
}

const NO_PYTHON: MountSupport = { ok: false, reason: 'python3, which sets up the mount namespace, is not on PATH' };
const PROBE_TIMEOUT_MS = 10_000;

function probeCommand(python: string, stage: string): { direct: string; args: string[] } {
  mkdirSync(stage, { recursive: true });
  // The helper starts once per mounted workload: a shim (pyenv's is three bash scripts) would cost more than the workload.
  return { direct: directInterpreter(python), args: ['-I', '-S', HELPER, stage, '/', '1', stage, '/berth-probe-mount', '--', 'true'] };
}

function probeAnswer(direct: string, status: number | null, stderr: string | undefined): MountSupport {
  return status === 0 ? { ok: true, python: direct } : { ok: false, reason: (stderr || `exit ${status}`).trim().replace(/^berth: /, '') };
}

/** `command` run by the helper inside its own mount namespace with `mounts` (binds) in place, in `cwd`. */
export function inMountNamespace(python: string, stage: string, cwd: string, mounts: Mount[], command: string[]): string[] {
  return [python, '-I', '-S', HELPER, stage, cwd, String(mounts.length), ...mounts.flatMap((m) => [m.source, m.target]), '--', ...command];
}
