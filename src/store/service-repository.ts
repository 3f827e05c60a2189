import type { Kysely } from 'kysely';
import type { Database, ServicesTable } from './tables.ts';

export type ServiceRow = ServicesTable;

/** Project services, keyed by (project, name). */
export class ServiceRepository {
  readonly #db: Kysely<Database>;

  constructor(db: Kysely<Database>) {
    this.#db = db;
  }

  /** Inserts a service; false when the project already has one of that name. */
  async insert(row: ServiceRow): Promise<boolean> {
    const res = await this.#db
      .insertInto('services')
      .values(row)
      .onConflict((oc) => oc.columns(['project_uuid', 'name']).doNothing())
      .executeTakeFirst();
    return Number(res.numInsertedOrUpdatedRows ?? 0) === 1;
  }

  async get(projectUuid: string, name: string): Promise<ServiceRow | undefined> {
    return this.#db.selectFrom('services').selectAll().where('project_uuid', '=', projectUuid).where('name', '=', name).executeTakeFirst();
  }

  async list(projectUuid?: string): Promise<ServiceRow[]> {
    let q = this.#db.selectFrom('services').selectAll().orderBy('project_uuid').orderBy('name');
    if (projectUuid) q = q.where('project_uuid', '=', projectUuid);
    return q.execute();
  }

  async setHandle(projectUuid: string, name: string, handleJson: string | null): Promise<void> {
    await this.#db.updateTable('services').set({ handle_json: handleJson }).where('project_uuid', '=', projectUuid).where('name', '=', name).execute();
  }

  async setToken(projectUuid: string, name: string, tokenId: string): Promise<void> {
    await this.#db.updateTable('services').set({ token_id: tokenId }).where('project_uuid', '=', projectUuid).where('name', '=', name).execute();
  }

  async delete(projectUuid: string, name: string): Promise<void> {
    await this.#db.deleteFrom('services').where('project_uuid', '=', projectUuid).where('name', '=', name).execute();
  }
}
