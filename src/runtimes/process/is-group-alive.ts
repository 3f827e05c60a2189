import { readdirSync } from 'node:fs';
import { hasEnded, readProcStat } from '../../leases/proc-stat.ts';

/**
 * Whether any process of group `pgid` still runs. Zombies count as gone: the kernel keeps them in
 * the group until reaped, and the reaper of orphans (pid 1 in some sandboxes) may never reap them.
 */
export function isGroupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ESRCH') return false;
  }
  // Some member exists; only a scan tells live members from zombies.
  const leader = readProcStat(pgid);
  if (leader && leader.pgrp === pgid && !hasEnded(leader)) return true;
  for (const name of readdirSync('/proc')) {
    const pid = Number(name);
    if (!Number.isInteger(pid) || pid === pgid) continue;
    const stat = readProcStat(pid);
    if (stat && stat.pgrp === pgid && !hasEnded(stat)) return true;
  }
  return false;
}
