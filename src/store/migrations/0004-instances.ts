import type { Kysely } from 'kysely';
import type { Migration } from 'kysely/migration';

/** Named background instances (`berth instance`). Append-only: never edit a migration that has shipped. */
export const migration0004Instances: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('instances')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('owner', 'text', (c) => c.notNull())
      .addColumn('owner_uid', 'integer', (c) => c.notNull())
      .addColumn('host', 'text', (c) => c.notNull())
      .addColumn('runtime', 'text', (c) => c.notNull())
      .addColumn('image', 'text', (c) => c.notNull())
      .addColumn('command_json', 'text', (c) => c.notNull())
      .addColumn('restart_policy', 'text', (c) => c.notNull())
      .addColumn('health_cmd', 'text')
      .addColumn('health_port', 'integer')
      .addColumn('health_interval_ms', 'integer', (c) => c.notNull())
      .addColumn('health', 'text', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('keeper_pid', 'integer', (c) => c.notNull())
      .addColumn('keeper_start', 'integer', (c) => c.notNull())
      .addColumn('handle_json', 'text')
      .addColumn('log_out_path', 'text', (c) => c.notNull())
      .addColumn('log_err_path', 'text', (c) => c.notNull())
      .addColumn('restarts', 'integer', (c) => c.notNull())
      .addColumn('exit_code', 'integer')
      .addColumn('reason', 'text')
      .addColumn('stop_signal', 'text')
      .addColumn('stop_grace_ms', 'integer')
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('started_at', 'text')
      // One name per user: the constraint, not a check-then-insert, decides which of two racing starts wins.
      .addUniqueConstraint('instances_owner_name', ['owner_uid', 'name'])
      .execute();
  },
};
