import type { Kysely } from 'kysely';
import type { Migration } from 'kysely/migration';

/** Interactive sessions, their services, and project/pipeline environment variables (secrets). Append-only. */
export const migration0008Sessions: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('sessions')
      .addColumn('uuid', 'text', (c) => c.primaryKey())
      .addColumn('project_uuid', 'text', (c) => c.notNull().references('projects.uuid').onDelete('cascade'))
      .addColumn('pipeline_uuid', 'text', (c) => c.notNull())
      .addColumn('pipeline_file', 'text', (c) => c.notNull())
      .addColumn('runtime', 'text', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('reason', 'text')
      .addColumn('owner_pid', 'integer')
      .addColumn('owner_host', 'text')
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .execute();
    await db.schema
      .createTable('session_services')
      .addColumn('session_uuid', 'text', (c) => c.notNull().references('sessions.uuid').onDelete('cascade'))
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('position', 'integer', (c) => c.notNull())
      .addColumn('definition_json', 'text', (c) => c.notNull())
      .addColumn('handle_json', 'text')
      .addColumn('log_path', 'text', (c) => c.notNull())
      .addColumn('restarts', 'integer', (c) => c.notNull().defaultTo(0))
      .addPrimaryKeyConstraint('session_services_pk', ['session_uuid', 'name'])
      .execute();
    await db.schema
      .createTable('env_vars')
      .addColumn('project_uuid', 'text', (c) => c.notNull().references('projects.uuid').onDelete('cascade'))
      .addColumn('pipeline_uuid', 'text', (c) => c.notNull())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('value', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('env_vars_pk', ['project_uuid', 'pipeline_uuid', 'name'])
      .execute();
  },
};
