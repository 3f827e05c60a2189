import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database, ProjectsTable } from './tables.ts';

export type Project = ProjectsTable;

/** Projects and the pipelines seen in them. */
export class ProjectRepository {
  readonly #db: Kysely<Database>;

  constructor(db: Kysely<Database>) {
    this.#db = db;
  }

  /** Returns the project registered at `path`, registering it first if needed. Idempotent, race-safe. */
  async ensure(path: string, name: string, now: string): Promise<Project> {
    await this.#db
      .insertInto('projects')
      .values({ uuid: randomUUID(), name, path, created_at: now })
      .onConflict((oc) => oc.column('path').doNothing())
      .execute();
    return this.#db.selectFrom('projects').selectAll().where('path', '=', path).executeTakeFirstOrThrow();
  }

  /** Records (or refreshes) a pipeline file of a project. */
  async touchPipeline(projectUuid: string, uuid: string, path: string, name: string, now: string): Promise<void> {
    await this.#db
      .insertInto('pipelines')
      .values({ project_uuid: projectUuid, uuid, path, name, updated_at: now })
      .onConflict((oc) => oc.columns(['project_uuid', 'uuid']).doUpdateSet({ path, name, updated_at: now }))
      .execute();
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
  async insert(project: Project): Promise<boolean> {
    const res = await this.#db.insertInto('projects').values(project).onConflict((oc) => oc.column('path').doNothing()).executeTakeFirst();
    return Number(res.numInsertedOrUpdatedRows ?? 0) === 1;
  }

  async pipelines(projectUuid: string): Promise<Array<{ uuid: string; path: string; name: string; updated_at: string }>> {
    return this.#db.selectFrom('pipelines').select(['uuid', 'path', 'name', 'updated_at']).where('project_uuid', '=', projectUuid).orderBy('path').execute();
  }
}
