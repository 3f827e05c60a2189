import type { Kysely } from 'kysely';
import type { Database, EnvVarsTable } from './tables.ts';

export type EnvVarRow = EnvVarsTable;

/** Project variables (pipeline_uuid = '') and pipeline variables, keyed by (project, pipeline, name). */
export class EnvVarRepository {
  readonly #db: Kysely<Database>;

  constructor(db: Kysely<Database>) {
    this.#db = db;
  }

  async set(row: EnvVarRow): Promise<void> {
    await this.#db
      .insertInto('env_vars')
      .values(row)
      .onConflict((oc) => oc.columns(['project_uuid', 'pipeline_uuid', 'name']).doUpdateSet({ value: row.value, updated_at: row.updated_at }))
      .execute();
  }

  /** The project's variables (pipelineUuid '') or one pipeline's, by name. */
  async list(projectUuid: string, pipelineUuid: string): Promise<EnvVarRow[]> {
    return this.#db.selectFrom('env_vars').selectAll().where('project_uuid', '=', projectUuid).where('pipeline_uuid', '=', pipelineUuid).orderBy('name').execute();
  }

  /** True when a variable was removed. */
  async remove(projectUuid: string, pipelineUuid: string, name: string): Promise<boolean> {
    const res = await this.#db.deleteFrom('env_vars').where('project_uuid', '=', projectUuid).where('pipeline_uuid', '=', pipelineUuid).where('name', '=', name).executeTakeFirst();
    return Number(res.numDeletedRows) > 0;
  }
}
