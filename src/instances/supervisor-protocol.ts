import type { WorkloadHandle, WorkloadSpec } from '../runtimes/driver.ts';
import type { RestartPolicy } from '../core/restart-policy.ts';

/** How an instance's health is checked: a command run inside it, or a TCP connect to a port. */
export interface HealthCheck {
  cmd: string | null;
  port: number | null;
  intervalMs: number;
  /** Consecutive failures before the instance counts as unhealthy. */
  retries: number;
}

/** What `instance start` hands its supervisor on stdin (it carries the environment, which the store never holds). */
export interface SupervisorOrder {
  instanceId: string;
  name: string;
  owner: string;
  runtime: string;
  /** The workload; each start gets the id `<instanceId>-<attempt>`. */
  spec: Omit<WorkloadSpec, 'id'>;
  restart: RestartPolicy;
  health: HealthCheck | null;
  /** The starter's store and stop grace: the supervisor uses them even when the starter's configuration did not come from its environment (a server embedded in tests). */
  config?: { home: string; dataDir: string; stopGraceMs: number };
  /**
   * The workload the starter already started (attempt 1) and recorded in the row with this
   * supervisor as its keeper: the supervisor adopts it instead of starting one, and reports nothing.
   */
  started?: WorkloadHandle;
}

/** The one line the supervisor writes on fd 3 once the instance runs (or could not start). */
export type SupervisorReport =
  | { ok: true; pid: number; startTime: number; handle: WorkloadHandle }
  | { ok: false; error: { code: string; message: string; problems: { path: string; message: string; fix?: string }[] } };

/** The supervisor's readiness pipe. */
export const REPORT_FD = 3;
