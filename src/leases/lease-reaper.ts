import type { Kysely } from 'kysely';
import { BuildRepository } from '../store/build-repository.ts';
import { DeliveryRepository } from '../store/delivery-repository.ts';
import { LeaseRepository } from '../store/lease-repository.ts';
import { RunRepository } from '../store/run-repository.ts';
import type { StateChangeHook } from '../store/state-change.ts';
import type { Database } from '../store/tables.ts';
import { parseOwnerClaim } from './owner-lease.ts';

/** Expired leases are kept this long (for `berth db status`), then forgotten. */
const KEEP_EXPIRED_MS = 24 * 3600_000;

interface Orphaned {
  host: string;
  pid: number;
  why: string;
  /** Only work created before this time (a predecessor's, when the pid was reused). */
  before?: string;
}

/**
 * Ends, truthfully, the work of servers whose lease expired: their runs still PENDING or STARTED
 * become FAILURE with the reason (their steps ABORTED), their builds FAILURE (the slot is free),
 * and the webhook deliveries they were sending are due again at once (same delivery ids) instead of
 * when their claim runs out — on another host no pid can tell that the claimant died.
 * Every end is a conditional update, so several survivors reaping at once end each run once, and a
 * run that ended meanwhile keeps its end. Returns the runs it ended (the caller stops their workloads).
 */
export async function reapExpiredServers(
  db: Kysely<Database>,
  hook: StateChangeHook,
  opts: { now?: Date; self?: { host: string; pid: number; startedAt: string } } = {},
): Promise<string[]> {
  const now = opts.now ?? new Date();
  const at = now.toISOString();
  const leases = new LeaseRepository(db);
  const runs = new RunRepository(db, { hook });
  const builds = new BuildRepository(db, { hook });
  const orphaned: Orphaned[] = [];
  for (const lease of await leases.expired(at)) {
    const who = `the berth server ${lease.id} (host ${lease.host}, pid ${lease.pid})`;
    orphaned.push({ host: lease.host, pid: lease.pid, why: lease.stopped_at ? `${who} stopped before it ended` : `${who} stopped renewing its lease (expired ${lease.lease_until})` });
  }
  // A server restarted with the pid its predecessor had (pid 1 in a container): what that pid
  // owned before this server started is the predecessor's.
  if (opts.self) orphaned.push({ host: opts.self.host, pid: opts.self.pid, why: `the berth server that had pid ${opts.self.pid} on ${opts.self.host} before this one stopped`, before: opts.self.startedAt });
  const ended: string[] = [];
  const expired = orphaned.filter((o) => o.before === undefined);
  if (expired.length > 0) {
    const deliveries = new DeliveryRepository(db);
    const theirs = (await deliveries.claimOwners()).filter((claim) => {
      const owner = parseOwnerClaim(claim);
      return expired.some((o) => o.host === owner.host && o.pid === owner.pid);
    });
    await deliveries.releaseClaims(theirs);
  }
  for (const o of orphaned) {
    const owned = (table: 'runs' | 'builds') =>
      db
        .selectFrom(table)
        .select('uuid')
        .where('status', 'in', ['PENDING', 'STARTED'])
        .where('owner_host', '=', o.host)
        .where('owner_pid', '=', o.pid)
        .$if(o.before !== undefined, (q) => q.where('created_at', '<', o.before!))
        .execute();
    for (const { uuid } of await owned('runs')) {
      const reason = `${o.why}; the run was ended by another server`;
      if (!(await runs.finish(uuid, 'FAILURE', at, reason))) continue;
      await runs.abortActiveSteps(uuid, at, reason);
      ended.push(uuid);
    }
    for (const { uuid } of await owned('builds')) await builds.finish(uuid, 'FAILURE', at, `${o.why}; the build was ended by another server`);
  }
  await leases.prune(new Date(now.getTime() - KEEP_EXPIRED_MS).toISOString());
  return ended;
}
