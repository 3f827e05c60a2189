import type { Kysely } from 'kysely';
import type { Database, ServerLeasesTable } from './tables.ts';

export type ServerLeaseRow = ServerLeasesTable;

/**
 * Server leases (each server renews its own row; one whose lease passed is gone) and leader leases
 * (one holder per name at a time; a new holder gets a larger fencing token). Every change is one
 * conditional statement, so racing servers agree on either backend.
 */
export class LeaseRepository {
  readonly #db: Kysely<Database>;

  constructor(db: Kysely<Database>) {
    this.#db = db;
  }

  /** Creates or renews a server's lease (`url`: where other servers reach it, null without HTTP). */
  async renew(row: { id: string; host: string; pid: number; now: string; leaseUntil: string; url?: string | null }): Promise<void> {
    await this.#db
      .insertInto('server_leases')
      .values({ id: row.id, host: row.host, pid: row.pid, started_at: row.now, heartbeat_at: row.now, lease_until: row.leaseUntil, stopped_at: null, url: row.url ?? null })
      .onConflict((oc) => oc.column('id').doUpdateSet({ heartbeat_at: row.now, lease_until: row.leaseUntil, url: row.url ?? null }).where('server_leases.stopped_at', 'is', null))
      .execute();
  }

  /** Servers on `host` that can be reached (a URL) and hold a live lease at `now`, the latest heartbeat first. */
  async reachableOn(host: string, now: string): Promise<Array<{ id: string; url: string }>> {
    const rows = await this.#db
      .selectFrom('server_leases')
      .select(['id', 'url'])
      .where('host', '=', host)
      .where('url', 'is not', null)
      .where('stopped_at', 'is', null)
      .where('lease_until', '>=', now)
      .orderBy('heartbeat_at', 'desc')
      .execute();
    return rows.map((r) => ({ id: r.id, url: r.url! }));
  }

  /** A clean stop: the lease ends now (survivors need not wait for it to run out). */
  async end(id: string, now: string): Promise<void> {
    await this.#db.updateTable('server_leases').set({ lease_until: now, stopped_at: now }).where('id', '=', id).execute();
  }

  async servers(): Promise<ServerLeaseRow[]> {
    return this.#db.selectFrom('server_leases').selectAll().orderBy('started_at').execute();
  }

  /** Leases that ran out before `now` for a process that holds no live lease (its work is orphaned). */
  async expired(now: string): Promise<ServerLeaseRow[]> {
    return this.#db
      .selectFrom('server_leases as l')
      .selectAll('l')
      .where('l.lease_until', '<', now)
      .where((eb) =>
        eb.not(
          eb.exists(
            eb.selectFrom('server_leases as live').select('live.id').whereRef('live.host', '=', 'l.host').whereRef('live.pid', '=', 'l.pid').where('live.lease_until', '>=', now),
          ),
        ),
      )
      .execute();
  }

  /** Forgets leases that ended before `before` (their work was dealt with long ago). */
  async prune(before: string): Promise<void> {
    await this.#db.deleteFrom('server_leases').where('lease_until', '<', before).execute();
  }

  /**
   * Takes or keeps the leader lease `name` for `holder` until `leaseUntil` when it is free, expired or
   * already held by `holder`. Returns the fencing token (it grows with every change of holder), or
   * null when another holder's lease is live.
   */
  async lead(name: string, holder: string, now: string, leaseUntil: string): Promise<number | null> {
    const inserted = await this.#db
      .insertInto('leader_leases')
      .values({ name, holder, token: 1, lease_until: leaseUntil })
      .onConflict((oc) => oc.column('name').doNothing())
      .executeTakeFirst();
    if (Number(inserted.numInsertedOrUpdatedRows ?? 0) === 1) return 1;
    const row = await this.#db
      .updateTable('leader_leases')
      .set((eb) => ({ token: eb.case().when('holder', '=', holder).then(eb.ref('token')).else(eb('token', '+', 1)).end(), holder, lease_until: leaseUntil }))
      .where('name', '=', name)
      .where((eb) => eb.or([eb('holder', '=', holder), eb('lease_until', '<', now)]))
      .returning('token')
      .executeTakeFirst();
    return row ? Number(row.token) : null;
  }

  /** Gives a leader lease up (another server may take it at once). */
  async resign(name: string, holder: string, now: string): Promise<void> {
    await this.#db.updateTable('leader_leases').set({ lease_until: now }).where('name', '=', name).where('holder', '=', holder).execute();
  }

  /** Whether `holder` holds `name` with `token` right now (a fenced write checks this in its transaction). */
  async holds(db: Kysely<Database>, name: string, holder: string, token: number, now: string): Promise<boolean> {
    const row = await db.selectFrom('leader_leases').select('token').where('name', '=', name).where('holder', '=', holder).where('token', '=', token).where('lease_until', '>=', now).executeTakeFirst();
    return row !== undefined;
  }
}
