import type { Kysely } from 'kysely';
import type { Migration } from 'kysely/migration';
import { columnTypes } from './column-types.ts';

/**
 * Services reachable from every server: each server's lease records the URL other servers reach it
 * at, and each service (project and session) the host it runs on, so a server on another host
 * forwards requests for it to a server there. Null for rows written before (this host's). Append-only.
 */
export const migration0018ServerAddresses: Migration = {
  async up(db: Kysely<unknown>) {
    const t = columnTypes(db);
    await db.schema.alterTable('server_leases').addColumn('url', t.text).execute();
    for (const table of ['services', 'session_services']) await db.schema.alterTable(table).addColumn('host', t.text).execute();
  },
};
