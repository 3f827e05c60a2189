import type { Kysely } from 'kysely';
import type { Migration } from 'kysely/migration';
import { columnTypes } from './column-types.ts';

/** API tokens (hashed) and project services. Append-only: never edit a migration that has shipped. */
export const migration0003Server: Migration = {
  async up(db: Kysely<unknown>) {
    const t = columnTypes(db);
    await db.schema
      .createTable('tokens')
      .addColumn('id', t.text, (c) => c.primaryKey())
      .addColumn('name', t.text, (c) => c.notNull())
      .addColumn('scope', t.text, (c) => c.notNull())
      .addColumn('project_uuid', t.text, (c) => c.references('projects.uuid').onDelete('cascade'))
      .addColumn('hash', t.text, (c) => c.notNull().unique())
      .addColumn('service', t.text)
      .addColumn('created_at', t.text, (c) => c.notNull())
      .addColumn('revoked_at', t.text)
      .execute();
    await db.schema
      .createTable('services')
      .addColumn('project_uuid', t.text, (c) => c.notNull().references('projects.uuid').onDelete('cascade'))
      .addColumn('name', t.text, (c) => c.notNull())
      .addColumn('definition_json', t.text, (c) => c.notNull())
      .addColumn('handle_json', t.text)
      .addColumn('token_id', t.text)
      .addColumn('log_path', t.text, (c) => c.notNull())
      .addColumn('created_at', t.text, (c) => c.notNull())
      .addPrimaryKeyConstraint('services_pk', ['project_uuid', 'name'])
      .execute();
  },
};
