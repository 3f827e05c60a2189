import type { Kysely } from 'kysely';
import type { Database, SubscribersTable, SubscriptionsTable } from './tables.ts';

export type SubscriberRow = SubscribersTable;
export type SubscriptionRow = SubscriptionsTable;

/** Webhook and analytics subscribers with their subscriptions (event type, optionally one project / job). */
export class SubscriberRepository {
  readonly #db: Kysely<Database>;

  constructor(db: Kysely<Database>) {
    this.#db = db;
  }

  /** Inserts a subscriber and its subscriptions atomically; false when the name is taken. */
  async add(subscriber: SubscriberRow, subscriptions: Omit<SubscriptionRow, 'subscriber_uuid'>[]): Promise<boolean> {
    return this.#db.transaction().execute(async (tx) => {
      const res = await tx.insertInto('subscribers').values(subscriber).onConflict((oc) => oc.column('name').doNothing()).executeTakeFirst();
      if (Number(res.numInsertedOrUpdatedRows ?? 0n) !== 1) return false;
      const rows = subscriptions.map((s) => ({ ...s, subscriber_uuid: subscriber.uuid }));
      if (rows.length > 0) await tx.insertInto('subscriptions').values(rows).onConflict((oc) => oc.doNothing()).execute();
      return true;
    });
  }

  /** Updates a subscriber's fields and, when given, replaces its subscriptions; false when the new name is taken. */
  async update(uuid: string, set: Partial<Omit<SubscriberRow, 'uuid' | 'kind' | 'created_at'>>, subscriptions?: Omit<SubscriptionRow, 'subscriber_uuid'>[]): Promise<boolean> {
    return this.#db.transaction().execute(async (tx) => {
      if (set.name !== undefined) {
        const clash = await tx.selectFrom('subscribers').select('uuid').where('name', '=', set.name).where('uuid', '!=', uuid).executeTakeFirst();
        if (clash) return false;
      }
      if (Object.keys(set).length > 0) await tx.updateTable('subscribers').set(set).where('uuid', '=', uuid).execute();
      if (subscriptions) {
        await tx.deleteFrom('subscriptions').where('subscriber_uuid', '=', uuid).execute();
        const rows = subscriptions.map((s) => ({ ...s, subscriber_uuid: uuid }));
        if (rows.length > 0) await tx.insertInto('subscriptions').values(rows).onConflict((oc) => oc.doNothing()).execute();
      }
      return true;
    });
  }

  async list(kind?: string): Promise<SubscriberRow[]> {
    let q = this.#db.selectFrom('subscribers').selectAll().orderBy('name');
    if (kind) q = q.where('kind', '=', kind);
    return q.execute();
  }

  async subscriptions(subscriberUuid: string): Promise<SubscriptionRow[]> {
    return this.#db.selectFrom('subscriptions').selectAll().where('subscriber_uuid', '=', subscriberUuid).orderBy('event_type').execute();
  }

  /** By exact name, or by uuid / uuid prefix (at most 2 rows: enough to tell ambiguous). */
  async find(ref: string): Promise<SubscriberRow[]> {
    const byName = await this.#db.selectFrom('subscribers').selectAll().where('name', '=', ref).execute();
    if (byName.length > 0) return byName;
    return this.#db.selectFrom('subscribers').selectAll().where('uuid', '>=', ref).where('uuid', '<', `${ref}\uffff`).limit(2).execute();
  }

  async get(uuid: string): Promise<SubscriberRow | undefined> {
    return this.#db.selectFrom('subscribers').selectAll().where('uuid', '=', uuid).executeTakeFirst();
  }

  /** Removes a subscriber with its subscriptions and its pending deliveries. */
  async remove(uuid: string): Promise<boolean> {
    const res = await this.#db.deleteFrom('subscribers').where('uuid', '=', uuid).executeTakeFirst();
    return Number(res.numDeletedRows) === 1;
  }
}
