import { hasEnded, readProcStat } from './proc-stat.ts';

/** Whether the process `pid` that started at `startTime` still runs: a reused pid or a zombie counts as gone. */
export function isProcessAlive(pid: number, startTime: number): boolean {
  const stat = readProcStat(pid);
  return stat !== undefined && stat.startTime === startTime && !hasEnded(stat);
}
