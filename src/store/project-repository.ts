import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
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

  async pipelines(projectUuid: string): Promise<Array<{ uuid: string; path: string; name: string; updated_at: string }>> {
    return this.#db.selectFrom('pipelines').select(['uuid', 'path', 'name', 'updated_at']).where('project_uuid', '=', projectUuid).orderBy('path').execute();
  }
}
