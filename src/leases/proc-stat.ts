import { readFileSync } from 'node:fs';

/** The fields of Linux's /proc/<pid>/stat that Berth relies on. */
export interface ProcStat {
  /** One-letter state; Z (zombie) and X (dead) mean the process has ended. */
  state: string;
  pgrp: number;
  /** Clock ticks since boot (field 22): together with the pid it names one process even across pid reuse. */
  startTime: number;
  /** CPU time in clock ticks spent in user and kernel mode (fields 14 and 15). */
  utime: number;
  stime: number;
}

/** Reads /proc/<pid>/stat; undefined when no such process exists (any more). */
export function readProcStat(pid: number): ProcStat | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'latin1');
  } catch {
    return undefined;
  }
  // Field 2 (comm) is parenthesised and may itself hold spaces and parentheses: split after the last ')'.
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return { state: fields[0] ?? '', pgrp: Number(fields[2]), startTime: Number(fields[19]), utime: Number(fields[11]), stime: Number(fields[12]) };
}

/** Whether a stat describes a process that has ended but was not reaped (reapers may never come). */
export function hasEnded(stat: ProcStat): boolean {
  return stat.state === 'Z' || stat.state === 'X';
}
