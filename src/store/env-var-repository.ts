import type { Kysely } from 'kysely';
import type { Database, EnvVarsTable } from './tables.ts';

export type EnvVarRow = Omit<EnvVarsTable, 'sealed'> & { sealed: number };

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
      .onConflict((oc) => oc.columns(['project_uuid', 'pipeline_uuid', 'name']).doUpdateSet({ value: row.value, sealed: row.sealed, updated_at: row.updated_at }))
      .execute();
  }

  /** The project's variables (pipelineUuid '') or one pipeline's, by name. */
  async list(projectUuid: string, pipelineUuid: string): Promise<EnvVarRow[]> {
    return this.#db.selectFrom('env_vars').selectAll().where('project_uuid', '=', projectUuid).where('pipeline_uuid', '=', pipelineUuid).orderBy('name').execute();
  }

  /** Rows stored in plaintext (before values were sealed). */
  async plaintext(): Promise<EnvVarRow[]> {
    return this.#db.selectFrom('env_vars').selectAll().where('sealed', '=', 0).execute();
  }

  /** Replaces a plaintext row's value by its sealed form (only while it is still that plaintext). */
  async seal(row: EnvVarRow, sealedValue: string): Promise<void> {
    await this.#db
      .updateTable('env_vars')
      .set({ value: sealedValue, sealed: 1 })
      .where('project_uuid', '=', row.project_uuid)
      .where('pipeline_uuid', '=', row.pipeline_uuid)
      .where('name', '=', row.name)
      .where('sealed', '=', 0)
      .where('value', '=', row.value)
      .execute();
  }

  /** True when a variable was removed. */
  async remove(projectUuid: string, pipelineUuid: string, name: string): Promise<boolean> {
    const res = await this.#db.deleteFrom('env_vars').where('project_uuid', '=', projectUuid).where('pipeline_uuid', '=', pipelineUuid).where('name', '=', name).executeTakeFirst();
    return Number(res.numDeletedRows) > 0;
  }
}
