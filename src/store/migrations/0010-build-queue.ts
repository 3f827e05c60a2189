import type { Kysely } from 'kysely';
import type { Migration } from 'kysely/migration';
import { columnTypes } from './column-types.ts';

/** Environment image builds: a row per build, claimed PENDING → STARTED under the build limit. Append-only. */
export const migration0010BuildQueue: Migration = {
  async up(db: Kysely<unknown>) {
    const t = columnTypes(db);
    await db.schema
      .createTable('builds')
      .addColumn('uuid', t.text, (c) => c.primaryKey())
      .addColumn('project_dir', t.text)
      .addColumn('environment_uuid', t.text, (c) => c.notNull())
      .addColumn('environment_name', t.text, (c) => c.notNull())
      .addColumn('image', t.text, (c) => c.notNull())
      .addColumn('status', t.text, (c) => c.notNull())
      .addColumn('reason', t.text)
      .addColumn('log_path', t.text, (c) => c.notNull())
      .addColumn('owner_pid', t.integer)
      .addColumn('owner_host', t.text)
      .addColumn('created_at', t.text, (c) => c.notNull())
      .addColumn('started_at', t.text)
      .addColumn('finished_at', t.text)
      .execute();
    await db.schema.createIndex('builds_status').on('builds').columns(['status', 'created_at']).execute();
  },
};
