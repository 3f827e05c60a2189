import type { Kysely } from 'kysely';
import type { ServiceSummary, StateChangeHook } from './state-change.ts';
import type { Database, ServicesTable } from './tables.ts';

export type ServiceRow = ServicesTable;

/** Project services, keyed by (project, name). */
export class ServiceRepository {
  readonly #db: Kysely<Database>;
  readonly #hook: StateChangeHook | undefined;

  constructor(db: Kysely<Database>, opts: { hook?: StateChangeHook } = {}) {
    this.#db = db;
    this.#hook = opts.hook;
  }

  /** Inserts a service (a `created` change); false when the project already has one of that name. */
  async insert(row: ServiceRow): Promise<boolean> {
    return this.#db.transaction().execute(async (tx) => {
      const res = await tx
        .insertInto('services')
        .values(row)
        .onConflict((oc) => oc.columns(['project_uuid', 'name']).doNothing())
        .executeTakeFirst();
      const inserted = Number(res.numInsertedOrUpdatedRows ?? 0) === 1;
      if (inserted) await this.#hook?.(tx, { entity: 'service', verb: 'created', projectUuid: row.project_uuid, service: summaryOf(row) });
      return inserted;
    });
  }

  async get(projectUuid: string, name: string): Promise<ServiceRow | undefined> {
    return this.#db.selectFrom('services').selectAll().where('project_uuid', '=', projectUuid).where('name', '=', name).executeTakeFirst();
  }

  async list(projectUuid?: string): Promise<ServiceRow[]> {
    let q = this.#db.selectFrom('services').selectAll().orderBy('project_uuid').orderBy('name');
    if (projectUuid) q = q.where('project_uuid', '=', projectUuid);
    return q.execute();
  }

  /** Records the service's workload and the host (config.hostId) it runs on. */
  async setHandle(projectUuid: string, name: string, handleJson: string | null, host: string): Promise<void> {
    await this.#db.updateTable('services').set({ handle_json: handleJson, host }).where('project_uuid', '=', projectUuid).where('name', '=', name).execute();
  }

  /** Makes a service recorded without a host this host's; false when another host has it. */
  async claimHost(projectUuid: string, name: string, host: string): Promise<boolean> {
    const res = await this.#db.updateTable('services').set({ host }).where('project_uuid', '=', projectUuid).where('name', '=', name).where('host', 'is', null).executeTakeFirst();
    return Number(res.numUpdatedRows) === 1;
  }

  async setToken(projectUuid: string, name: string, tokenId: string): Promise<void> {
    await this.#db.updateTable('services').set({ token_id: tokenId }).where('project_uuid', '=', projectUuid).where('name', '=', name).execute();
  }

  /** Deletes a service (a `deleted` change when it existed). */
  async delete(projectUuid: string, name: string): Promise<void> {
    await this.#db.transaction().execute(async (tx) => {
      const gone = await tx.deleteFrom('services').where('project_uuid', '=', projectUuid).where('name', '=', name).returningAll().executeTakeFirst();
      if (gone) await this.#hook?.(tx, { entity: 'service', verb: 'deleted', projectUuid, service: summaryOf(gone) });
    });
  }
}

function summaryOf(row: ServiceRow): ServiceSummary {
  const def = JSON.parse(row.definition_json) as { image?: unknown; ports?: unknown };
  return { name: row.name, image: typeof def.image === 'string' ? def.image : '', ports: Array.isArray(def.ports) ? def.ports.filter((p): p is number => typeof p === 'number') : [] };
}
