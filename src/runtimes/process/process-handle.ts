import { BerthError } from '../../errors.ts';
import type { WorkloadHandle } from '../driver.ts';
import type { RegistryEntry } from './workload-registry.ts';

/** What a process handle's opaque `state` holds: enough to watch and stop the workload without the registry. */
export interface ProcessState {
  pid: number;
  pgid: number;
  startTime: number;
  exitFile: string;
  /** The group leader is the /bin/sh wrapper (handles from before the launcher count as wrapped). */
  wrapped: boolean;
}

export function toHandle(entry: RegistryEntry): WorkloadHandle {
  return {
    id: entry.id,
    driver: 'process',
    labels: entry.labels,
    logPath: entry.logPath,
    state: { pid: entry.pid, pgid: entry.pgid, startTime: entry.startTime, exitFile: entry.exitFile, wrapped: entry.wrapped ?? true },
  };
}

export function processState(handle: WorkloadHandle): ProcessState {
  const { pid, pgid, startTime, exitFile, wrapped } = handle.state;
  if (handle.driver !== 'process' || typeof pid !== 'number' || typeof pgid !== 'number' || typeof startTime !== 'number' || typeof exitFile !== 'string') {
    throw new BerthError('BERTH_E_DRIVER', `handle of workload ${handle.id} was not made by the process driver (driver "${handle.driver}")`, {
      details: { id: handle.id, driver: handle.driver },
    });
  }
  return { pid, pgid, startTime, exitFile, wrapped: wrapped !== false };
}
