import { isProcessAlive } from '../leases/is-process-alive.ts';
import type { InstanceRow } from '../store/instance-repository.ts';

/**
 * Whether an instance row is stale on this host: its instance exited, or the process that answers
 * for it (the supervisor, or the starter before the supervisor took over) is gone. Rows of other
 * hosts are never judged from here.
 */
export function isStale(row: InstanceRow, host: string): boolean {
  if (row.host !== host) return false;
  return row.status === 'exited' || !isProcessAlive(row.keeper_pid, row.keeper_start);
}
