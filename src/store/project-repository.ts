import { randomUUID } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import type { StateChangeHook } from './state-change.ts';
import type { Database, ProjectsTable } from './tables.ts';

export type Project = ProjectsTable;

/** Projects and the pipelines seen in them. */
export class ProjectRepository {
  readonly #db: Kysely<Database>;
  readonly #hook: StateChangeHook | undefined;

  constructor(db: Kysely<Database>, opts: { hook?: StateChangeHook } = {}) {
    this.#db = db;
    this.#hook = opts.hook;
  }

  /** Returns the project registered at `path`, registering it first if needed. Idempotent, race-safe. */
  async ensure(path: string, name: string, now: string): Promise<Project> {
    return this.#db.transaction().execute(async (tx) => {
      const uuid = randomUUID();
      const res = await tx
        .insertInto('projects')
        .values({ uuid, name, path, created_at: now })
        .onConflict((oc) => oc.column('path').doNothing())
        .executeTakeFirst();
      if (Number(res.numInsertedOrUpdatedRows ?? 0n) === 1) await this.#hook?.(tx, { entity: 'project', verb: 'created', projectUuid: uuid });
      return tx.selectFrom('projects').selectAll().where('path', '=', path).executeTakeFirstOrThrow();
    });
  }

  /** Records (or refreshes) a pipeline file of a project; a new file or a new name/path is an event. */
  async touchPipeline(projectUuid: string, uuid: string, path: string, name: string, now: string): Promise<void> {
    await this.#db.transaction().execute(async (tx) => {
      const inserted = await tx
        .insertInto('pipelines')
        .values({ project_uuid: projectUuid, uuid, path, name, updated_at: now })
        .onConflict((oc) => oc.columns(['project_uuid', 'uuid']).doNothing())
        .executeTakeFirst();
      if (Number(inserted.numInsertedOrUpdatedRows ?? 0n) === 1) {
        await this.#hook?.(tx, { entity: 'pipeline', verb: 'created', projectUuid, pipelineUuid: uuid });
        return;
      }
      const changed = await tx
        .updateTable('pipelines')
        .set({ path, name, updated_at: now })
        .where('project_uuid', '=', projectUuid)
        .where('uuid', '=', uuid)
        .where((eb) => eb.or([eb('path', '!=', path), eb('name', '!=', name)]))
        .executeTakeFirst();
      if (Number(changed.numUpdatedRows) === 1) await this.#hook?.(tx, { entity: 'pipeline', verb: 'updated', projectUuid, pipelineUuid: uuid });
      else await tx.updateTable('pipelines').set({ updated_at: now }).where('project_uuid', '=', projectUuid).where('uuid', '=', uuid).execute();
    });
  }

  async get(uuid: string): Promise<Project | undefined> {
    return this.#db.selectFrom('projects').selectAll().where('uuid', '=', uuid).executeTakeFirst();
  }

  async list(): Promise<Project[]> {
    return this.#db.selectFrom('projects').selectAll().orderBy('name').orderBy('uuid').execute();
  }

  /** Projects whose uuid or name is `ref` (several when a name is shared). */
  async findByRef(ref: string): Promise<Project[]> {
    return this.#db.selectFrom('projects').selectAll().where((eb) => eb.or([eb('uuid', '=', ref), eb('name', '=', ref)])).limit(5).execute();
  }

  async findByPath(path: string): Promise<Project | undefined> {
    return this.#db.selectFrom('projects').selectAll().where('path', '=', path).executeTakeFirst();
  }

  /** Registers a project; false when its path is already registered. */
  /** Inserts a project unless its folder is registered already (false); a new one is a `created` change. */
  async insert(project: Project): Promise<boolean> {
    return this.#db.transaction().execute(async (tx) => {
      const res = await tx.insertInto('projects').values(project).onConflict((oc) => oc.column('path').doNothing()).executeTakeFirst();
      const inserted = Number(res.numInsertedOrUpdatedRows ?? 0) === 1;
      if (inserted) await this.#hook?.(tx, { entity: 'project', verb: 'created', projectUuid: project.uuid });
      return inserted;
    });
  }

  /** Renames / re-points a project; `project:updated`. False when it is gone. */
  async update(uuid: string, patch: { name?: string; path?: string }): Promise<boolean> {
    return this.#db.transaction().execute(async (tx) => {
      const res = await tx.updateTable('projects').set(patch).where('uuid', '=', uuid).executeTakeFirst();
      if (Number(res.numUpdatedRows) !== 1) return false;
      await this.#hook?.(tx, { entity: 'project', verb: 'updated', projectUuid: uuid });
      return true;
    });
  }

  /**
   * Unregisters a project: `project:deleted` (its payload read before the rows go), then the row and,
   * by cascade, its pipelines, runs, jobs, sessions, services, tokens and variables (and its short
   * service host labels). Events stay.
   */
  async remove(uuid: string): Promise<boolean> {
    return this.#db.transaction().execute(async (tx) => {
      // The write comes first (SQLite upgrades a reading transaction badly), then the event, then the delete.
      const res = await tx.updateTable('projects').set({ name: sql`name` }).where('uuid', '=', uuid).executeTakeFirst();
      if (Number(res.numUpdatedRows) !== 1) return false;
      await this.#hook?.(tx, { entity: 'project', verb: 'deleted', projectUuid: uuid });
      await tx.deleteFrom('projects').where('uuid', '=', uuid).execute();
      // Short service host labels have no foreign key (table 0017): they go with the project too.
      await tx.deleteFrom('service_hosts').where('project_uuid', '=', uuid).execute();
      return true;
    });
  }

  /**
   * A pipeline file was written: its row is inserted (`project:pipeline:created`) or refreshed
   * (`project:pipeline:updated`), then `write` puts the file in place inside the same transaction (a
   * failing write rolls the row and event back).
   */
  async savePipeline(projectUuid: string, pipeline: { uuid: string; path: string; name: string }, now: string, write: () => void): Promise<void> {
    await this.#db.transaction().execute(async (tx) => {
      const inserted = await tx
        .insertInto('pipelines')
        .values({ project_uuid: projectUuid, uuid: pipeline.uuid, path: pipeline.path, name: pipeline.name, updated_at: now })
        .onConflict((oc) => oc.columns(['project_uuid', 'uuid']).doNothing())
        .executeTakeFirst();
      const created = Number(inserted.numInsertedOrUpdatedRows ?? 0n) === 1;
      if (!created) await tx.updateTable('pipelines').set({ path: pipeline.path, name: pipeline.name, updated_at: now }).where('project_uuid', '=', projectUuid).where('uuid', '=', pipeline.uuid).execute();
      await this.#hook?.(tx, { entity: 'pipeline', verb: created ? 'created' : 'updated', projectUuid, pipelineUuid: pipeline.uuid });
      write();
    });
  }

  /** Removes a pipeline: its row gets `project:pipeline:deleted` first, then `remove` deletes the file in the same transaction. */
  async removePipeline(projectUuid: string, pipeline: { uuid: string; path: string; name: string }, now: string, remove: () => void): Promise<void> {
    await this.#db.transaction().execute(async (tx) => {
      // Known or not, the row is made current so the event names the pipeline as it is now.
      await tx
        .insertInto('pipelines')
        .values({ project_uuid: projectUuid, uuid: pipeline.uuid, path: pipeline.path, name: pipeline.name, updated_at: now })
        .onConflict((oc) => oc.columns(['project_uuid', 'uuid']).doUpdateSet({ path: pipeline.path, name: pipeline.name, updated_at: now }))
        .execute();
      await this.#hook?.(tx, { entity: 'pipeline', verb: 'deleted', projectUuid, pipelineUuid: pipeline.uuid });
      await tx.deleteFrom('pipelines').where('project_uuid', '=', projectUuid).where('uuid', '=', pipeline.uuid).execute();
      remove();
    });
  }

  /** What still runs in a project: active runs, sessions and jobs, and its services (by name). */
  async activeWork(uuid: string): Promise<{ runs: string[]; sessions: Array<{ uuid: string; pipeline_file: string }>; jobs: string[]; services: string[] }> {
    const [runs, sessions, jobs, services] = await Promise.all([
      this.#db.selectFrom('runs').select('uuid').where('project_uuid', '=', uuid).where('status', 'in', ['PENDING', 'STARTED']).execute(),
      this.#db.selectFrom('sessions').select(['uuid', 'pipeline_file']).where('project_uuid', '=', uuid).where('status', 'in', ['STARTING', 'RUNNING', 'STOPPING']).execute(),
      this.#db.selectFrom('jobs').select('uuid').where('project_uuid', '=', uuid).where('status', 'in', ['PENDING', 'STARTED']).execute(),
      this.#db.selectFrom('services').select('name').where('project_uuid', '=', uuid).execute(),
    ]);
    return { runs: runs.map((r) => r.uuid), sessions, jobs: jobs.map((j) => j.uuid), services: services.map((s) => s.name) };
  }

  async pipelines(projectUuid: string): Promise<Array<{ uuid: string; path: string; name: string; updated_at: string }>> {
    return this.#db.selectFrom('pipelines').select(['uuid', 'path', 'name', 'updated_at']).where('project_uuid', '=', projectUuid).orderBy('path').execute();
  }
}
