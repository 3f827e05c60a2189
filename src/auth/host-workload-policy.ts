import type { BerthConfig } from '../config/config.ts';
import { BerthError } from '../errors.ts';
import type { Principal } from './token-registry.ts';

/**
 * Who a server's host (process runtime) workloads run as, and who may start them
 * (docs/decisions/0001-process-workload-user.md):
 * - `single-user`: the admin declared a single-user machine (--single-user / BERTH_SINGLE_USER=1):
 *   workloads run as the server's user, any token may start them.
 * - `workload-user`: the server runs as root: every workload runs as BERTH_WORKLOAD_USER in its
 *   project's group, any token may start them.
 * - `admin-only`: the server cannot switch users: only admin tokens start host workloads.
 */
export type HostWorkloadPolicy = 'single-user' | 'workload-user' | 'admin-only';

export function hostWorkloadPolicy(config: Pick<BerthConfig, 'singleUser' | 'runningAsRoot'>): HostWorkloadPolicy {
  if (config.singleUser) return 'single-user';
  return config.runningAsRoot ? 'workload-user' : 'admin-only';
}

/** 403 BERTH_E_HOST_WORKLOADS_REFUSED when a project token asks for a host workload the server cannot isolate. */
export function assertHostWorkloadAllowed(policy: HostWorkloadPolicy, principal: Principal | null, runtime: string, what: string): void {
  if (policy !== 'admin-only' || runtime !== 'process' || principal?.scope === 'admin') return;
  throw new BerthError(
    'BERTH_E_HOST_WORKLOADS_REFUSED',
    `this server does not start ${what} on the process runtime for project tokens: it does not run as root, so it cannot run them as another OS user, and as its own user they could read its store and act as admin`,
    {
      problems: [
        {
          path: 'Authorization',
          message: 'a project token cannot start host workloads on this server',
          fix: 'use the docker runtime, an admin token, run the server as root (workloads then run as BERTH_WORKLOAD_USER), or, on a single-user machine, start it with `berth server --single-user` (BERTH_SINGLE_USER=1)',
        },
      ],
    },
  );
}
