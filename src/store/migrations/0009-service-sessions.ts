import type { Kysely } from 'kysely';
import type { Migration } from 'kysely/migration';
import { columnTypes } from './column-types.ts';

/**
 * Browser hand-off to services on their own origins: one-time tickets and the service sessions they
 * open (hashes only; each bound to one project service instance and to the token that minted it).
 * Append-only.
 */
export const migration0009ServiceSessions: Migration = {
  async up(db: Kysely<unknown>) {
    const types = columnTypes(db);
    for (const table of ['service_tickets', 'service_sessions']) {
      let t = db.schema
        .createTable(table)
        .addColumn('hash', types.text, (c) => c.primaryKey())
        .addColumn('project_uuid', types.text, (c) => c.notNull().references('projects.uuid').onDelete('cascade'))
        .addColumn('service', types.text, (c) => c.notNull())
        .addColumn('instance', types.text, (c) => c.notNull())
        .addColumn('token_id', types.text, (c) => c.notNull().references('tokens.id').onDelete('cascade'))
        .addColumn('expires_at', types.integer, (c) => c.notNull())
        .addColumn('created_at', types.text, (c) => c.notNull());
      if (table === 'service_tickets') t = t.addColumn('next', types.text, (c) => c.notNull());
      await t.execute();
      await db.schema.createIndex(`${table}_service`).on(table).columns(['project_uuid', 'service']).execute();
    }
  },
};
