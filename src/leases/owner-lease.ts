import { hostname } from 'node:os';
import { hasEnded, readProcStat } from './proc-stat.ts';

/**
 * Who answers for a run, build, session, delivery claim or instance: a process on a host, named by
 * pid and /proc start time so a reused pid is never mistaken for the owner. Every "is its owner
 * still there" question in Berth goes through here (issue 14 adds server leases with heartbeats for
 * owners on other hosts).
 */
export interface OwnerLease {
  pid: number;
  host: string;
  /** /proc start time of pid in clock ticks since boot; null for rows written before it was recorded. */
  start: number | null;
}

/** alive: the owner runs; gone: it ended (or its pid was reused); elsewhere: another host's, not decidable here. */
export type OwnerState = 'alive' | 'gone' | 'elsewhere';

let self: OwnerLease | undefined;
let hostId: string | undefined;

/**
 * Names this machine for every "same host" decision of this process (config.hostId, BERTH_HOST_ID;
 * default the OS host name). The engine sets it when it opens, before it records any owner.
 */
export function useHostId(id: string): void {
  if (id === (hostId ?? hostname())) return;
  hostId = id;
  self = undefined;
}

/** This process as an owner. */
export function thisProcess(): OwnerLease {
  self ??= { pid: process.pid, host: hostId ?? hostname(), start: readProcStat(process.pid)?.startTime ?? null };
  return self;
}

/** The state of a recorded owner, seen from this host. A row with no owner pid has no live owner. */
export function ownerState(owner: { pid: number | null; host: string | null; start?: number | null }): OwnerState {
  if (owner.pid === null || !Number.isInteger(owner.pid) || owner.pid <= 0) return 'gone';
  if (owner.host !== null && owner.host !== thisProcess().host) return 'elsewhere';
  const stat = readProcStat(owner.pid);
  if (stat === undefined || hasEnded(stat)) return 'gone';
  if (owner.start !== null && owner.start !== undefined && stat.startTime !== owner.start) return 'gone';
  return 'alive';
}

/** An owner as one string (`host:pid:s<start>`), for claim columns that hold text; callers may append `:<more>`. */
export function ownerClaim(owner: OwnerLease = thisProcess()): string {
  return `${owner.host}:${owner.pid}:s${owner.start ?? ''}`;
}

/** The owner a claim string names (claims written before start times were recorded: start unknown). */
export function parseOwnerClaim(claim: string): OwnerLease {
  const [host = '', pid = '', ...rest] = claim.split(':');
  const start = rest.find((part) => /^s\d+$/.test(part));
  return { host, pid: Number(pid), start: start === undefined ? null : Number(start.slice(1)) };
}
