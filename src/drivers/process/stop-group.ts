import { setTimeout as delay } from 'node:timers/promises';
import { BerthError } from '../../errors.ts';
import { isGroupAlive } from './is-group-alive.ts';
import { readProcStat } from './proc-stat.ts';

export interface GroupTarget {
  /** The group leader; pgid === pid for workloads, which lead their own group. */
  pid: number;
  pgid: number;
  startTime: number;
}

const POLL_MS = 25;
/** After SIGKILL only an uninterruptible kernel wait can keep a process around. */
const KILL_WAIT_MS = 10_000;

/**
 * Sends `signal` to every process of the group, waits up to graceMs for all of them to end, then
 * SIGKILLs the group. Resolves with the signal that ended it, or undefined when nothing of it ran.
 * A group whose leader's pid now belongs to another process is never signalled: it is not ours.
 */
export async function stopGroup(target: GroupTarget, signal: NodeJS.Signals, graceMs: number): Promise<NodeJS.Signals | undefined> {
  const leader = readProcStat(target.pid);
  if (leader !== undefined && leader.startTime !== target.startTime) return undefined;
  if (!isGroupAlive(target.pgid) || !signalGroup(target.pgid, signal)) return undefined;
  if (await endsWithin(target.pgid, graceMs)) return signal;
  signalGroup(target.pgid, 'SIGKILL');
  if (await endsWithin(target.pgid, KILL_WAIT_MS)) return 'SIGKILL';
  throw new BerthError('BERTH_E_DRIVER', `process group ${target.pgid} still runs ${KILL_WAIT_MS} ms after SIGKILL (stuck in the kernel?)`, {
    details: { pgid: target.pgid },
  });
}

/** False when the group no longer exists. */
function signalGroup(pgid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(-pgid, signal);
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ESRCH') return false;
    throw e;
  }
}

async function endsWithin(pgid: number, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  for (;;) {
    if (!isGroupAlive(pgid)) return true;
    if (Date.now() >= deadline) return false;
    await delay(Math.min(POLL_MS, Math.max(1, deadline - Date.now())));
  }
}
