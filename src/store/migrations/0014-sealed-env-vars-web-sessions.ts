import type { Kysely } from 'kysely';
import type { Migration } from 'kysely/migration';

/**
 * Env-var values sealed at rest (`sealed` = 1: the value is the install key's AES-GCM box; 0: a
 * plaintext row from before, sealed by the engine when it opens the store) and the web UI's sessions
 * (a random id in the cookie, only its hash here, bound to the token that signed in). Append-only.
 */
export const migration0014SealedEnvVarsWebSessions: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema.alterTable('env_vars').addColumn('sealed', 'integer', (c) => c.notNull().defaultTo(0)).execute();
    await db.schema
      .createTable('web_sessions')
      .addColumn('hash', 'text', (c) => c.primaryKey())
      .addColumn('token_id', 'text', (c) => c.notNull().references('tokens.id').onDelete('cascade'))
      .addColumn('expires_at', 'integer', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('web_sessions_token').on('web_sessions').column('token_id').execute();
  },
};
