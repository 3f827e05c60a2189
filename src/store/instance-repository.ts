import type { Kysely, Updateable } from 'kysely';
import type { Database, InstancesTable } from './tables.ts';
import { isUniqueViolation } from './store-dialect.ts';

export type InstanceRow = InstancesTable;

/** Who is asking: non-admins see and stop only their own instances. */
export interface Viewer {
  uid: number;
  admin: boolean;
}

/**
 * Instances. A name is taken by inserting its row (unique per owner), so of two concurrent starts
 * exactly one wins; rows are removed by the stop that ends them or by the cleanup of stale ones.
 */
export class InstanceRepository {
  readonly #db: Kysely<Database>;

  constructor(db: Kysely<Database>) {
    this.#db = db;
  }

  /** Inserts the row; false when the owner already has an instance of that name. */
  async claim(row: InstanceRow): Promise<boolean> {
    try {
      await this.#db.insertInto('instances').values(row).execute();
      return true;
    } catch (e) {
      if (isUniqueViolation(e)) return false;
      throw e;
    }
  }

  /** The viewer's instances (every instance for an admin), by name. */
  async list(viewer: Viewer): Promise<InstanceRow[]> {
    let query = this.#db.selectFrom('instances').selectAll().orderBy('name').orderBy('owner');
    if (!viewer.admin) query = query.where('owner_uid', '=', viewer.uid);
    return query.execute();
  }

  async get(id: string): Promise<InstanceRow | undefined> {
    return this.#db.selectFrom('instances').selectAll().where('id', '=', id).executeTakeFirst();
  }

  /** Changes columns of a row unless it is being stopped; false when it is (or is gone). */
  async updateUnlessStopping(id: string, changes: Updateable<InstancesTable>): Promise<boolean> {
    const res = await this.#db.updateTable('instances').set(changes).where('id', '=', id).where('status', '!=', 'stopping').executeTakeFirst();
    return Number(res.numUpdatedRows) > 0;
  }

  async update(id: string, changes: Updateable<InstancesTable>): Promise<void> {
    await this.#db.updateTable('instances').set(changes).where('id', '=', id).execute();
  }

  /**
   * Hands a starting row to its supervisor: it answers for the row from now on, and the row runs
   * `handleJson` unless the supervisor already moved it on (a quick exit or restart it recorded).
   */
  async adopt(id: string, keeperPid: number, keeperStart: number, handleJson: string): Promise<void> {
    await this.#db.transaction().execute(async (tx) => {
      await tx.updateTable('instances').set({ keeper_pid: keeperPid, keeper_start: keeperStart }).where('id', '=', id).execute();
      await tx.updateTable('instances').set({ status: 'running', handle_json: handleJson, started_at: new Date().toISOString() }).where('id', '=', id).where('status', '=', 'starting').execute();
    });
  }

  /** Marks the row as stopping with the signal and grace period its keeper should use; false when it is gone. */
  async requestStop(id: string, signal: string, graceMs: number): Promise<boolean> {
    const res = await this.#db.updateTable('instances').set({ status: 'stopping', stop_signal: signal, stop_grace_ms: graceMs }).where('id', '=', id).executeTakeFirst();
    return Number(res.numUpdatedRows) > 0;
  }

  async delete(id: string): Promise<void> {
    await this.#db.deleteFrom('instances').where('id', '=', id).execute();
  }
}
