import { readFileSync } from 'node:fs';
import { setTimeout as delay } from 'node:timers/promises';
import { BerthError } from '../../errors.ts';
import { isGroupAlive } from './is-group-alive.ts';
import { isProcessAlive } from '../../leases/is-process-alive.ts';
import { readProcStat } from '../../leases/proc-stat.ts';

export interface GroupTarget {
  /** The group leader; pgid === pid for workloads, which lead their own group. */
  pid: number;
  pgid: number;
  startTime: number;
  /** Led by the /bin/sh wrapper, which needs a moment before a signal reaches the workload. */
  wrapped: boolean;
}

const POLL_MS = 25;
/** Upper bound on waiting for a just-started workload to get past its wrapper (normally about a millisecond). */
const SETTLE_MS = 2_000;
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
  if (target.wrapped) await settled(target, Math.min(graceMs, SETTLE_MS));
  if (!isGroupAlive(target.pgid) || !signalGroup(target.pgid, signal)) return undefined;
  if (await endsWithin(target.pgid, graceMs)) return signal;
  signalGroup(target.pgid, 'SIGKILL');
  if (await endsWithin(target.pgid, KILL_WAIT_MS)) return 'SIGKILL';
  throw new BerthError('BERTH_E_DRIVER', `process group ${target.pgid} still runs ${KILL_WAIT_MS} ms after SIGKILL (stuck in the kernel?)`, {
    details: { pgid: target.pgid },
  });
}

/**
 * Right after spawn there is a moment in which a signal to the group is lost: the wrapper has installed
 * its no-op traps but has not forked the workload yet, or its fork still has those traps and has not
 * exec'd. Waits (at most `ms`) until a child of the wrapper runs something else, or the wrapper ended.
 */
async function settled(target: GroupTarget, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (!isSettled(target) && Date.now() < deadline) await delay(2);
}

function isSettled(target: GroupTarget): boolean {
  if (!isProcessAlive(target.pid, target.startTime)) return true;
  const wrapper = readProc(`${target.pid}/cmdline`);
  // Without /proc/<pid>/task/<pid>/children (CONFIG_PROC_CHILDREN) there is no telling: go ahead.
  const children = readProc(`${target.pid}/task/${target.pid}/children`);
  if (wrapper === undefined || children === undefined) return true;
  return children.split(' ').some((child) => child !== '' && ![undefined, wrapper].includes(readProc(`${child}/cmdline`)));
}

function readProc(path: string): string | undefined {
  try {
    return readFileSync(`/proc/${path}`, 'latin1');
  } catch {
    return undefined;
  }
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

/** Polls quickly at first (most workloads end within milliseconds of the signal), then every POLL_MS. */
async function endsWithin(pgid: number, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  for (let pause = 1; ; pause = Math.min(pause * 2, POLL_MS)) {
    if (!isGroupAlive(pgid)) return true;
    if (Date.now() >= deadline) return false;
    await delay(Math.min(pause, Math.max(1, deadline - Date.now())));
  }
}
