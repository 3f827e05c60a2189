import type { ExpressionBuilder, Kysely } from 'kysely';
import { isPostgres } from './store-dialect.ts';
import type { Database, DeliveriesTable } from './tables.ts';

export type DeliveryRow = DeliveriesTable;
export const DELIVERY_STATUSES = ['SCHEDULED', 'RESCHEDULED', 'DELIVERING', 'DELIVERED', 'DEAD'] as const;

/**
 * The webhook outbox. A delivery is claimed by one atomic UPDATE (so two dispatchers, even in two
 * processes, never send the same attempt twice) with a lease; an expired lease makes it due again.
 */
export class DeliveryRepository {
  readonly #db: Kysely<Database>;

  constructor(db: Kysely<Database>) {
    this.#db = db;
  }

  /** Due deliveries (oldest first, at most `limit`), not for the subscribers in `skipSubscribers`. Claims nothing. */
  async due(now: string, limit: number, skipSubscribers: string[] = []): Promise<Array<{ uuid: string; subscriber_uuid: string }>> {
    if (limit <= 0) return [];
    // Two index-friendly queries (status, scheduled_at) rather than one OR that scans the table.
    const base = () =>
      this.#db
        .selectFrom('deliveries')
        .select(['uuid', 'subscriber_uuid', 'scheduled_at'])
        .$if(skipSubscribers.length > 0, (q) => q.where('subscriber_uuid', 'not in', skipSubscribers))
        .limit(limit);
    const [scheduled, expired] = await Promise.all([
      base().where('status', 'in', ['SCHEDULED', 'RESCHEDULED']).where('scheduled_at', '<=', now).orderBy('status').orderBy('scheduled_at').execute(),
      base().where('status', '=', 'DELIVERING').where('lease_until', '<', now).execute(),
    ]);
    return [...expired, ...scheduled].sort((a, b) => a.scheduled_at.localeCompare(b.scheduled_at)).slice(0, limit);
  }

  /**
   * Claims the given deliveries for `owner` if they are still due (one conditional UPDATE, so a
   * delivery is claimed by one dispatcher only) and counts the attempt. Returns the claimed rows.
   */
  async claim(owner: string, uuids: string[], now: string, leaseUntil: string): Promise<DeliveryRow[]> {
    if (uuids.length === 0) return [];
    const rows = await this.#db
      .updateTable('deliveries')
      .set((eb) => ({ status: 'DELIVERING', claimed_by: owner, lease_until: leaseUntil, attempts: eb('attempts', '+', 1) }))
      .$if(!isPostgres(this.#db), (q) => q.where('uuid', 'in', uuids).where((w) => this.#isDue(w, now)))
      // PostgreSQL: rows another server is claiming right now are skipped, not waited for.
      .$if(isPostgres(this.#db), (q) =>
        q.where('uuid', 'in', (eb) =>
          eb
            .selectFrom('deliveries')
            .select('uuid')
            .where('uuid', 'in', uuids)
            .where((w) => this.#isDue(w, now))
            .forUpdate()
            .skipLocked(),
        ),
      )
      .returningAll()
      .execute();
    return rows.sort((a, b) => a.scheduled_at.localeCompare(b.scheduled_at));
  }

  #isDue(w: ExpressionBuilder<Database, 'deliveries'>, now: string) {
    return w.or([
      w.and([w('status', 'in', ['SCHEDULED', 'RESCHEDULED']), w('scheduled_at', '<=', now)]),
      w.and([w('status', '=', 'DELIVERING'), w('lease_until', '<', now)]),
    ]);
  }

  /** Ends the lease of deliveries claimed by `owners` (dispatchers known to be dead): they are due at once. */
  async releaseClaims(owners: string[]): Promise<number> {
    if (owners.length === 0) return 0;
    const res = await this.#db
      .updateTable('deliveries')
      .set({ lease_until: new Date(0).toISOString() })
      .where('status', '=', 'DELIVERING')
      .where('claimed_by', 'in', owners)
      .executeTakeFirst();
    return Number(res.numUpdatedRows);
  }

  /** Owners holding claims right now. */
  async claimOwners(): Promise<string[]> {
    const rows = await this.#db.selectFrom('deliveries').select('claimed_by').distinct().where('status', '=', 'DELIVERING').execute();
    return rows.map((r) => r.claimed_by).filter((o): o is string => o !== null);
  }

  async delivered(uuid: string, owner: string, status: number | null, now: string): Promise<void> {
    await this.#db
      .updateTable('deliveries')
      .set({ status: 'DELIVERED', delivered_at: now, last_status_code: status, last_error: null, lease_until: null })
      .where('uuid', '=', uuid)
      .where('claimed_by', '=', owner)
      .where('status', '=', 'DELIVERING')
      .execute();
  }

  /** A failed attempt: due again at `retryAt`, or DEAD (dead-lettered) when retryAt is null. */
  async failed(uuid: string, owner: string, outcome: { status: number | null; error: string; retryAt: string | null }): Promise<void> {
    await this.#db
      .updateTable('deliveries')
      .set({
        status: outcome.retryAt === null ? 'DEAD' : 'RESCHEDULED',
        scheduled_at: (eb) => (outcome.retryAt === null ? eb.ref('scheduled_at') : eb.val(outcome.retryAt)),
        last_status_code: outcome.status,
        last_error: outcome.error.slice(0, 2000),
        lease_until: null,
      })
      .where('uuid', '=', uuid)
      .where('claimed_by', '=', owner)
      .where('status', '=', 'DELIVERING')
      .execute();
  }

  /** Sends a delivery again (same delivery id) with a fresh attempt budget. */
  async redeliver(uuid: string, now: string): Promise<boolean> {
    const res = await this.#db
      .updateTable('deliveries')
      .set({ status: 'SCHEDULED', attempts: 0, scheduled_at: now, lease_until: null, claimed_by: null })
      .where('uuid', '=', uuid)
      .where('status', '!=', 'DELIVERING')
      .executeTakeFirst();
    return Number(res.numUpdatedRows) === 1;
  }

  async findByPrefix(prefix: string): Promise<DeliveryRow[]> {
    return this.#db.selectFrom('deliveries').selectAll().where('uuid', '>=', prefix).where('uuid', '<', `${prefix}\uffff`).limit(2).execute();
  }

  async list(opts: { subscriberUuid?: string; status?: string; limit: number }): Promise<DeliveryRow[]> {
    let q = this.#db.selectFrom('deliveries').selectAll().orderBy('created_at', 'desc').orderBy('uuid').limit(opts.limit);
    if (opts.subscriberUuid) q = q.where('subscriber_uuid', '=', opts.subscriberUuid);
    if (opts.status) q = q.where('status', '=', opts.status);
    return q.execute();
  }

  /** The earliest time a waiting delivery becomes due (to sleep until then), or null. */
  async nextDueAt(): Promise<string | null> {
    const row = await this.#db
      .selectFrom('deliveries')
      .select((eb) => eb.fn.min('scheduled_at').as('at'))
      .where('status', 'in', ['SCHEDULED', 'RESCHEDULED'])
      .executeTakeFirst();
    return (row?.at as string | null | undefined) ?? null;
  }
}
