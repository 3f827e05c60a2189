import type { Kysely } from 'kysely';
import type { Migration } from 'kysely/migration';
import { columnTypes } from './column-types.ts';

/**
 * Short host labels for services whose `<name>--<project>--<port>` form would not fit one DNS label
 * (63 characters: a session service is `<name>-<session uuid>`): `s-<digest>` → the service it opens.
 * Rows go with their service, session or project (decision 0008).
 */
export const migration0017ServiceHosts: Migration = {
  async up(db: Kysely<unknown>) {
    const t = columnTypes(db);
    await db.schema
      .createTable('service_hosts')
      .addColumn('label', t.text, (c) => c.primaryKey())
      .addColumn('project_uuid', t.text, (c) => c.notNull())
      .addColumn('service', t.text, (c) => c.notNull())
      .addColumn('port', t.integer, (c) => c.notNull())
      .addColumn('created_at', t.text, (c) => c.notNull())
      .execute();
  },
};
