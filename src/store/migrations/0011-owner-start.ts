import type { Kysely } from 'kysely';
import type { Migration } from 'kysely/migration';
import { columnTypes } from './column-types.ts';

/** The owner's /proc start time beside its pid (runs, builds, sessions), so a reused pid is not a live owner. Append-only. */
export const migration0011OwnerStart: Migration = {
  async up(db: Kysely<unknown>) {
    const t = columnTypes(db);
    for (const table of ['runs', 'builds', 'sessions']) {
      await db.schema.alterTable(table).addColumn('owner_start', t.integer).execute();
    }
  },
};
