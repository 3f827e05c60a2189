import type { Kysely } from 'kysely';
import type { Migration } from 'kysely/migration';
import { columnTypes } from './column-types.ts';

/**
 * Git over SSH remembers host keys: each token holder's known hosts (trust on first use, then a
 * changed key is refused). `host` as known_hosts writes it ("name", or "[name]:port" off port 22),
 * one row per key type. Append-only.
 */
export const migration0019GitKnownHosts: Migration = {
  async up(db: Kysely<unknown>) {
    const t = columnTypes(db);
    await db.schema
      .createTable('git_known_hosts')
      .addColumn('id', t.text, (c) => c.primaryKey())
      .addColumn('holder', t.text, (c) => c.notNull())
      .addColumn('host', t.text, (c) => c.notNull())
      .addColumn('key_type', t.text, (c) => c.notNull())
      .addColumn('public_key', t.text, (c) => c.notNull())
      .addColumn('fingerprint', t.text, (c) => c.notNull())
      .addColumn('created_at', t.text, (c) => c.notNull())
      .execute();
    await db.schema.createIndex('git_known_hosts_holder_host_type').on('git_known_hosts').columns(['holder', 'host', 'key_type']).unique().execute();
  },
};
