import { existsSync, readFileSync } from 'node:fs';

/**
 * Why the process runtime cannot apply CPU and memory limits on this host, in words for an error.
 * Limits on host processes need a cgroup v2 of Berth's own with the cpu and memory controllers
 * delegated to it; Berth does not create cgroups (a container runtime applies limits instead).
 * `root` is the cgroup mount (a parameter for tests).
 */
export function cgroupLimitsProblem(root = '/sys/fs/cgroup'): string {
  const controllers = `${root}/cgroup.controllers`;
  if (!existsSync(controllers)) {
    const hybrid = existsSync(`${root}/unified/cgroup.controllers`) ? ' (hybrid: cgroup v2 only at unified/, without cpu and memory)' : '';
    return `this host uses cgroups v1 at ${root}${hybrid}, where Berth does not create cgroups for processes`;
  }
  const available = readFileSync(controllers, 'utf8').trim().split(/\s+/);
  const missing = ['cpu', 'memory'].filter((c) => !available.includes(c));
  if (missing.length > 0) return `cgroup v2 at ${root} does not offer the ${missing.join(' and ')} controller${missing.length > 1 ? 's' : ''} here`;
  return `the process runtime does not create cgroups for its processes (cgroup v2 at ${root} has cpu and memory; a container runtime applies the limits)`;
}
