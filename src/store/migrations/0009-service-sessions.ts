import type { Kysely } from 'kysely';
import type { Migration } from 'kysely/migration';

/**
 * Browser hand-off to services on their own origins: one-time tickets and the service sessions they
 * open (hashes only; each bound to one project service instance and to the token that minted it).
 * Append-only.
 */
export const migration0009ServiceSessions: Migration = {
  async up(db: Kysely<unknown>) {
    for (const table of ['service_tickets', 'service_sessions']) {
      let t = db.schema
        .createTable(table)
        .addColumn('hash', 'text', (c) => c.primaryKey())
        .addColumn('project_uuid', 'text', (c) => c.notNull().references('projects.uuid').onDelete('cascade'))
        .addColumn('service', 'text', (c) => c.notNull())
        .addColumn('instance', 'text', (c) => c.notNull())
        .addColumn('token_id', 'text', (c) => c.notNull().references('tokens.id').onDelete('cascade'))
        .addColumn('expires_at', 'integer', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull());
      if (table === 'service_tickets') t = t.addColumn('next', 'text', (c) => c.notNull());
      await t.execute();
      await db.schema.createIndex(`${table}_service`).on(table).columns(['project_uuid', 'service']).execute();
    }
  },
};
