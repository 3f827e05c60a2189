import type { Kysely } from 'kysely';
import type { Migration } from 'kysely/migration';
import { columnTypes } from './column-types.ts';

/** Interactive sessions, their services, and project/pipeline environment variables (secrets). Append-only. */
export const migration0008Sessions: Migration = {
  async up(db: Kysely<unknown>) {
    const t = columnTypes(db);
    await db.schema
      .createTable('sessions')
      .addColumn('uuid', t.text, (c) => c.primaryKey())
      .addColumn('project_uuid', t.text, (c) => c.notNull().references('projects.uuid').onDelete('cascade'))
      .addColumn('pipeline_uuid', t.text, (c) => c.notNull())
      .addColumn('pipeline_file', t.text, (c) => c.notNull())
      .addColumn('runtime', t.text, (c) => c.notNull())
      .addColumn('status', t.text, (c) => c.notNull())
      .addColumn('reason', t.text)
      .addColumn('owner_pid', t.integer)
      .addColumn('owner_host', t.text)
      .addColumn('created_at', t.text, (c) => c.notNull())
      .addColumn('updated_at', t.text, (c) => c.notNull())
      .execute();
    await db.schema
      .createTable('session_services')
      .addColumn('session_uuid', t.text, (c) => c.notNull().references('sessions.uuid').onDelete('cascade'))
      .addColumn('name', t.text, (c) => c.notNull())
      .addColumn('position', t.integer, (c) => c.notNull())
      .addColumn('definition_json', t.text, (c) => c.notNull())
      .addColumn('handle_json', t.text)
      .addColumn('log_path', t.text, (c) => c.notNull())
      .addColumn('restarts', t.integer, (c) => c.notNull().defaultTo(0))
      .addPrimaryKeyConstraint('session_services_pk', ['session_uuid', 'name'])
      .execute();
    await db.schema
      .createTable('env_vars')
      .addColumn('project_uuid', t.text, (c) => c.notNull().references('projects.uuid').onDelete('cascade'))
      .addColumn('pipeline_uuid', t.text, (c) => c.notNull())
      .addColumn('name', t.text, (c) => c.notNull())
      .addColumn('value', t.text, (c) => c.notNull())
      .addColumn('updated_at', t.text, (c) => c.notNull())
      .addPrimaryKeyConstraint('env_vars_pk', ['project_uuid', 'pipeline_uuid', 'name'])
      .execute();
  },
};
