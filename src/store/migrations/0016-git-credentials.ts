import type { Kysely } from 'kysely';
import type { Migration } from 'kysely/migration';
import { columnTypes } from './column-types.ts';

/**
 * Git as Orchest had it: each token holder's git identity and SSH private keys (sealed with the
 * install key; only fingerprints and public keys are ever shown). `holder` is the token's id (the
 * in-process CLI: "local"). Append-only.
 */
export const migration0016GitCredentials: Migration = {
  async up(db: Kysely<unknown>) {
    const t = columnTypes(db);
    await db.schema
      .createTable('git_identities')
      .addColumn('holder', t.text, (c) => c.primaryKey())
      .addColumn('name', t.text, (c) => c.notNull())
      .addColumn('email', t.text, (c) => c.notNull())
      .addColumn('updated_at', t.text, (c) => c.notNull())
      .execute();
    await db.schema
      .createTable('git_keys')
      .addColumn('id', t.text, (c) => c.primaryKey())
      .addColumn('holder', t.text, (c) => c.notNull())
      .addColumn('name', t.text, (c) => c.notNull())
      .addColumn('fingerprint', t.text, (c) => c.notNull())
      .addColumn('public_key', t.text, (c) => c.notNull())
      .addColumn('private_key', t.text, (c) => c.notNull())
      .addColumn('created_at', t.text, (c) => c.notNull())
      .execute();
    await db.schema.createIndex('git_keys_holder_name').on('git_keys').columns(['holder', 'name']).unique().execute();
  },
};
