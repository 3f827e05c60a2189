import type { Kysely } from 'kysely';
import type { Migration } from 'kysely/migration';

/** Environment image builds: a row per build, claimed PENDING → STARTED under the build limit. Append-only. */
export const migration0010BuildQueue: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('builds')
      .addColumn('uuid', 'text', (c) => c.primaryKey())
      .addColumn('project_dir', 'text')
      .addColumn('environment_uuid', 'text', (c) => c.notNull())
      .addColumn('environment_name', 'text', (c) => c.notNull())
      .addColumn('image', 'text', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('reason', 'text')
      .addColumn('log_path', 'text', (c) => c.notNull())
      .addColumn('owner_pid', 'integer')
      .addColumn('owner_host', 'text')
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('started_at', 'text')
      .addColumn('finished_at', 'text')
      .execute();
    await db.schema.createIndex('builds_status').on('builds').columns(['status', 'created_at']).execute();
  },
};
