import type { Kysely } from 'kysely';
import type { Migration } from 'kysely/migration';
import { columnTypes } from './column-types.ts';

/**
 * Several servers on one store: each server's lease (renewed by its heartbeat; work of a server
 * whose lease expired is ended or taken over by a survivor) and named leader leases with a fencing
 * token (one scheduler at a time). Append-only.
 */
export const migration0015ServerLeases: Migration = {
  async up(db: Kysely<unknown>) {
    const t = columnTypes(db);
    await db.schema
      .createTable('server_leases')
      .addColumn('id', t.text, (c) => c.primaryKey())
      .addColumn('host', t.text, (c) => c.notNull())
      .addColumn('pid', t.integer, (c) => c.notNull())
      .addColumn('started_at', t.text, (c) => c.notNull())
      .addColumn('heartbeat_at', t.text, (c) => c.notNull())
      .addColumn('lease_until', t.text, (c) => c.notNull())
      .addColumn('stopped_at', t.text)
      .execute();
    await db.schema.createIndex('server_leases_host_pid').on('server_leases').columns(['host', 'pid']).execute();
    await db.schema
      .createTable('leader_leases')
      .addColumn('name', t.text, (c) => c.primaryKey())
      .addColumn('holder', t.text, (c) => c.notNull())
      .addColumn('token', t.integer, (c) => c.notNull())
      .addColumn('lease_until', t.text, (c) => c.notNull())
      .execute();
  },
};
