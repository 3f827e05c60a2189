import type { Kysely } from 'kysely';
import type { Migration } from 'kysely/migration';

/** Projects, pipelines, runs and step runs. Append-only: never edit a migration that has shipped. */
export const migration0001Runs: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('projects')
      .addColumn('uuid', 'text', (c) => c.primaryKey())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('path', 'text', (c) => c.notNull().unique())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .execute();
    await db.schema
      .createTable('pipelines')
      .addColumn('project_uuid', 'text', (c) => c.notNull().references('projects.uuid').onDelete('cascade'))
      .addColumn('uuid', 'text', (c) => c.notNull())
      .addColumn('path', 'text', (c) => c.notNull())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('pipelines_pk', ['project_uuid', 'uuid'])
      .execute();
    await db.schema
      .createTable('runs')
      .addColumn('uuid', 'text', (c) => c.primaryKey())
      .addColumn('project_uuid', 'text', (c) => c.notNull().references('projects.uuid').onDelete('cascade'))
      .addColumn('pipeline_uuid', 'text', (c) => c.notNull())
      .addColumn('pipeline_path', 'text', (c) => c.notNull())
      .addColumn('pipeline_name', 'text', (c) => c.notNull())
      .addColumn('run_type', 'text', (c) => c.notNull())
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('fail_fast', 'integer', (c) => c.notNull())
      .addColumn('parameters_json', 'text', (c) => c.notNull())
      .addColumn('runtime', 'text', (c) => c.notNull())
      .addColumn('run_dir', 'text', (c) => c.notNull())
      .addColumn('reason', 'text')
      .addColumn('owner_pid', 'integer')
      .addColumn('owner_host', 'text')
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('started_at', 'text')
      .addColumn('finished_at', 'text')
      .execute();
    await db.schema.createIndex('runs_pipeline_status').on('runs').columns(['project_uuid', 'pipeline_uuid', 'status']).execute();
    await db.schema.createIndex('runs_created').on('runs').column('created_at').execute();
    await db.schema
      .createTable('step_runs')
      .addColumn('run_uuid', 'text', (c) => c.notNull().references('runs.uuid').onDelete('cascade'))
      .addColumn('step_uuid', 'text', (c) => c.notNull())
      .addColumn('title', 'text', (c) => c.notNull())
      .addColumn('file_path', 'text', (c) => c.notNull())
      .addColumn('position', 'integer', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('started_at', 'text')
      .addColumn('finished_at', 'text')
      .addColumn('exit_code', 'integer')
      .addColumn('reason', 'text')
      .addColumn('log_path', 'text', (c) => c.notNull())
      .addColumn('handle_json', 'text')
      .addPrimaryKeyConstraint('step_runs_pk', ['run_uuid', 'step_uuid'])
      .execute();
  },
};
