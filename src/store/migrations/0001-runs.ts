import type { Kysely } from 'kysely';
import type { Migration } from 'kysely/migration';
import { columnTypes } from './column-types.ts';

/** Projects, pipelines, runs and step runs. Append-only: never edit a migration that has shipped. */
export const migration0001Runs: Migration = {
  async up(db: Kysely<unknown>) {
    const t = columnTypes(db);
    await db.schema
      .createTable('projects')
      .addColumn('uuid', t.text, (c) => c.primaryKey())
      .addColumn('name', t.text, (c) => c.notNull())
      .addColumn('path', t.text, (c) => c.notNull().unique())
      .addColumn('created_at', t.text, (c) => c.notNull())
      .execute();
    await db.schema
      .createTable('pipelines')
      .addColumn('project_uuid', t.text, (c) => c.notNull().references('projects.uuid').onDelete('cascade'))
      .addColumn('uuid', t.text, (c) => c.notNull())
      .addColumn('path', t.text, (c) => c.notNull())
      .addColumn('name', t.text, (c) => c.notNull())
      .addColumn('updated_at', t.text, (c) => c.notNull())
      .addPrimaryKeyConstraint('pipelines_pk', ['project_uuid', 'uuid'])
      .execute();
    await db.schema
      .createTable('runs')
      .addColumn('uuid', t.text, (c) => c.primaryKey())
      .addColumn('project_uuid', t.text, (c) => c.notNull().references('projects.uuid').onDelete('cascade'))
      .addColumn('pipeline_uuid', t.text, (c) => c.notNull())
      .addColumn('pipeline_path', t.text, (c) => c.notNull())
      .addColumn('pipeline_name', t.text, (c) => c.notNull())
      .addColumn('run_type', t.text, (c) => c.notNull())
      .addColumn('kind', t.text, (c) => c.notNull())
      .addColumn('status', t.text, (c) => c.notNull())
      .addColumn('fail_fast', t.integer, (c) => c.notNull())
      .addColumn('parameters_json', t.text, (c) => c.notNull())
      .addColumn('runtime', t.text, (c) => c.notNull())
      .addColumn('run_dir', t.text, (c) => c.notNull())
      .addColumn('reason', t.text)
      .addColumn('owner_pid', t.integer)
      .addColumn('owner_host', t.text)
      .addColumn('created_at', t.text, (c) => c.notNull())
      .addColumn('started_at', t.text)
      .addColumn('finished_at', t.text)
      .execute();
    await db.schema.createIndex('runs_pipeline_status').on('runs').columns(['project_uuid', 'pipeline_uuid', 'status']).execute();
    await db.schema.createIndex('runs_created').on('runs').column('created_at').execute();
    await db.schema
      .createTable('step_runs')
      .addColumn('run_uuid', t.text, (c) => c.notNull().references('runs.uuid').onDelete('cascade'))
      .addColumn('step_uuid', t.text, (c) => c.notNull())
      .addColumn('title', t.text, (c) => c.notNull())
      .addColumn('file_path', t.text, (c) => c.notNull())
      .addColumn('position', t.integer, (c) => c.notNull())
      .addColumn('status', t.text, (c) => c.notNull())
      .addColumn('started_at', t.text)
      .addColumn('finished_at', t.text)
      .addColumn('exit_code', t.integer)
      .addColumn('reason', t.text)
      .addColumn('log_path', t.text, (c) => c.notNull())
      .addColumn('handle_json', t.text)
      .addPrimaryKeyConstraint('step_runs_pk', ['run_uuid', 'step_uuid'])
      .execute();
  },
};
