import type { Kysely } from 'kysely';
import type { Migration } from 'kysely/migration';
import { columnTypes } from './column-types.ts';

/** Named background instances (`berth instance`). Append-only: never edit a migration that has shipped. */
export const migration0004Instances: Migration = {
  async up(db: Kysely<unknown>) {
    const t = columnTypes(db);
    await db.schema
      .createTable('instances')
      .addColumn('id', t.text, (c) => c.primaryKey())
      .addColumn('name', t.text, (c) => c.notNull())
      .addColumn('owner', t.text, (c) => c.notNull())
      .addColumn('owner_uid', t.integer, (c) => c.notNull())
      .addColumn('host', t.text, (c) => c.notNull())
      .addColumn('runtime', t.text, (c) => c.notNull())
      .addColumn('image', t.text, (c) => c.notNull())
      .addColumn('command_json', t.text, (c) => c.notNull())
      .addColumn('restart_policy', t.text, (c) => c.notNull())
      .addColumn('health_cmd', t.text)
      .addColumn('health_port', t.integer)
      .addColumn('health_interval_ms', t.integer, (c) => c.notNull())
      .addColumn('health', t.text, (c) => c.notNull())
      .addColumn('status', t.text, (c) => c.notNull())
      .addColumn('keeper_pid', t.integer, (c) => c.notNull())
      .addColumn('keeper_start', t.integer, (c) => c.notNull())
      .addColumn('handle_json', t.text)
      .addColumn('log_out_path', t.text, (c) => c.notNull())
      .addColumn('log_err_path', t.text, (c) => c.notNull())
      .addColumn('restarts', t.integer, (c) => c.notNull())
      .addColumn('exit_code', t.integer)
      .addColumn('reason', t.text)
      .addColumn('stop_signal', t.text)
      .addColumn('stop_grace_ms', t.integer)
      .addColumn('created_at', t.text, (c) => c.notNull())
      .addColumn('started_at', t.text)
      // One name per user: the constraint, not a check-then-insert, decides which of two racing starts wins.
      .addUniqueConstraint('instances_owner_name', ['owner_uid', 'name'])
      .execute();
  },
};
