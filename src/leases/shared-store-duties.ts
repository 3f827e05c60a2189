import type { Kysely } from 'kysely';
import type { BerthConfig } from '../config/config.ts';
import { EVENTS_CHANNEL, listenPostgres } from '../store/postgres-notifications.ts';
import { LeaseRepository } from '../store/lease-repository.ts';
import type { StateChangeHook } from '../store/state-change.ts';
import type { Database } from '../store/tables.ts';
import { reapExpiredServers } from './lease-reaper.ts';
import { ServerLease } from './server-lease.ts';
import { ServerPeers } from './server-peers.ts';

export interface SharedStoreDuties {
  /** For the job scheduler: whether this server leads the scheduling now (always true on SQLite). */
  leadsScheduler: () => Promise<boolean>;
  /** This server among the others (forwards to and from servers on other hosts); null on SQLite. */
  peers: ServerPeers | null;
  /** Records where other servers reach this one (once it listens). */
  advertise: (url: string) => Promise<void>;
  stop: () => Promise<void>;
}

export interface SharedStoreOptions {
  db: Kysely<Database>;
  hook: StateChangeHook;
  config: BerthConfig;
  /** The key forwards between the servers are signed with (derived from the install key they share). */
  forwardKey: Buffer;
  /** Runs of a gone server were ended: stop their workloads on this host. */
  onRunsEnded: (runUuids: string[]) => Promise<void>;
  /** A server's lease expired since the last beat: end or finish what else it was doing (sessions it was starting or stopping). */
  onServerGone: () => Promise<void>;
  /** Another server recorded events: wake this server's streams and webhook dispatcher. */
  onEvents: () => void;
  log: (line: string) => void;
}

/**
 * What a server does to share a PostgreSQL store with other servers: holds a lease (heartbeat), and
 * after each heartbeat ends the work of servers whose lease expired (and stops their workloads on
 * this host); leads the job scheduler only while it holds the 'scheduler' leader lease (one
 * scheduler at a time, a new fencing token per new leader); wakes its event streams and webhook
 * dispatcher on other servers' events (LISTEN/NOTIFY). On SQLite (one host) there is nothing to do:
 * liveness is by process id and the file lock orders writers.
 */
export async function startSharedStoreDuties(opts: SharedStoreOptions): Promise<SharedStoreDuties> {
  const { db, config, log } = opts;
  const database = config.database;
  if (database.dialect !== 'postgres') return { leadsScheduler: async () => true, peers: null, advertise: async () => {}, stop: async () => {} };
  const startedAt = new Date().toISOString();
  const leases = new LeaseRepository(db);
  const known = new Set<string>();
  const lease: ServerLease = new ServerLease(db, {
    leaseMs: config.leaseMs,
    log,
    onBeat: async () => {
      const ended = await reapExpiredServers(db, opts.hook, { self: { host: lease.host, pid: lease.pid, startedAt } });
      const expired = (await leases.expired(new Date().toISOString())).map((l) => l.id);
      if (expired.some((id) => !known.has(id))) {
        for (const id of expired) known.add(id);
        await opts.onServerGone();
      }
      if (ended.length === 0) return;
      log(`lease: ended ${ended.length} run(s) of server(s) whose lease expired: ${ended.map((u) => u.slice(0, 8)).join(', ')}`);
      // Their workloads on this host (same-host servers) are stopped; other hosts' at their next start.
      await opts.onRunsEnded(ended);
    },
  });
  await lease.start();
  const peers = new ServerPeers(db, { selfId: lease.id, host: lease.host, key: opts.forwardKey });
  const listener = await listenPostgres(database.url, EVENTS_CHANNEL, opts.onEvents, log);
  let token: number | null = null;
  return {
    peers,
    advertise: (url) => lease.advertise(url),
    leadsScheduler: async () => {
      const now = Date.now();
      const got = await leases.lead('scheduler', lease.id, new Date(now).toISOString(), new Date(now + config.leaseMs).toISOString());
      if (got !== token) log(got === null ? 'scheduler: another server leads the scheduling now' : `scheduler: this server leads the scheduling (fencing token ${got})`);
      token = got;
      return got !== null;
    },
    stop: async () => {
      await listener.close();
      if (token !== null) await leases.resign('scheduler', lease.id, new Date().toISOString()).catch(() => undefined);
      await lease.stop();
    },
  };
}
