import type { Kysely } from 'kysely';
import type { Migration } from 'kysely/migration';

/** API tokens (hashed) and project services. Append-only: never edit a migration that has shipped. */
export const migration0003Server: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('tokens')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('scope', 'text', (c) => c.notNull())
      .addColumn('project_uuid', 'text', (c) => c.references('projects.uuid').onDelete('cascade'))
      .addColumn('hash', 'text', (c) => c.notNull().unique())
      .addColumn('service', 'text')
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('revoked_at', 'text')
      .execute();
    await db.schema
      .createTable('services')
      .addColumn('project_uuid', 'text', (c) => c.notNull().references('projects.uuid').onDelete('cascade'))
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('definition_json', 'text', (c) => c.notNull())
      .addColumn('handle_json', 'text')
      .addColumn('token_id', 'text')
      .addColumn('log_path', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('services_pk', ['project_uuid', 'name'])
      .execute();
  },
};
