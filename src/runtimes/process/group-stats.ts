import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { totalmem } from 'node:os';
import type { WorkloadStats } from '../driver.ts';
import { hasEnded, readProcStat } from '../../leases/proc-stat.ts';

let ticksPerSecond: number | undefined;

/** Sums the resource use of every live process of group `pgid` from /proc (no cgroup needed). */
export function groupStats(pgid: number): WorkloadStats {
  const stats: WorkloadStats = { cpuSeconds: 0, memoryBytes: 0, memoryLimitBytes: totalmem(), blockReadBytes: 0, blockWriteBytes: 0, pids: 0 };
  let ticks = 0;
  for (const name of readdirSync('/proc')) {
    const pid = Number(name);
    if (!Number.isInteger(pid)) continue;
    const stat = readProcStat(pid);
    if (!stat || stat.pgrp !== pgid || hasEnded(stat)) continue;
    stats.pids++;
    ticks += stat.utime + stat.stime;
    stats.memoryBytes += field(read(`${pid}/status`), 'VmRSS') * 1024;
    const io = read(`${pid}/io`);
    stats.blockReadBytes += field(io, 'read_bytes');
    stats.blockWriteBytes += field(io, 'write_bytes');
  }
  stats.cpuSeconds = ticks / clockTicks();
  return stats;
}

/** USER_HZ: 100 on every mainstream Linux build, asked of getconf once in case it is not. */
function clockTicks(): number {
  if (ticksPerSecond === undefined) {
    try {
      ticksPerSecond = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      ticksPerSecond = 100;
    }
  }
  return ticksPerSecond;
}

function read(path: string): string {
  try {
    return readFileSync(`/proc/${path}`, 'latin1');
  } catch {
    return '';
  }
}

function field(text: string, key: string): number {
  const match = new RegExp(`^${key}:\\s*(\\d+)`, 'm').exec(text);
  return match ? Number(match[1]) : 0;
}
