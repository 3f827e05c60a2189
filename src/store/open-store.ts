import { closeSync, existsSync, mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import { Kysely, SqliteDialect, sql } from 'kysely';
import type { Migration } from 'kysely/migration';
import { BerthError } from '../errors.ts';
import { migration0001Runs } from './migrations/0001-runs.ts';
import { migration0004Instances } from './migrations/0004-instances.ts';
import { migration0003Server } from './migrations/0003-server.ts';
import { migration0006EventsJobsWebhooks } from './migrations/0006-events-jobs-webhooks.ts';
import { migration0008Sessions } from './migrations/0008-sessions.ts';
import { migration0009ServiceSessions } from './migrations/0009-service-sessions.ts';
import { migration0010BuildQueue } from './migrations/0010-build-queue.ts';
import { migration0011OwnerStart } from './migrations/0011-owner-start.ts';
import { migration0014SealedEnvVarsWebSessions } from './migrations/0014-sealed-env-vars-web-sessions.ts';
import { NodeSqliteDatabase } from './node-sqlite-database.ts';
import type { Database } from './tables.ts';

/** Append-only list of migrations, applied in name order. */
const MIGRATIONS: Record<string, Migration> = {
  '0001-runs': migration0001Runs,
  '0004-instances': migration0004Instances,
  '0003-server': migration0003Server,
  '0006-events-jobs-webhooks': migration0006EventsJobsWebhooks,
  '0008-sessions': migration0008Sessions,
  '0009-service-sessions': migration0009ServiceSessions,
  '0010-build-queue': migration0010BuildQueue,
  '0011-owner-start': migration0011OwnerStart,
  '0014-sealed-env-vars-web-sessions': migration0014SealedEnvVarsWebSessions,
};

/**
 * Opens (creating if needed) the SQLite store at `path` and brings its schema up to date.
 * Safe when several Berth processes open the same file at once.
 */
export async function openStore(path: string): Promise<Kysely<Database>> {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  // A new store is created owner-only; SQLite gives its WAL and shared-memory files the same mode.
  if (!existsSync(path)) closeSync(openSync(path, 'a', 0o600));
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: new NodeSqliteDatabase(path) }) });
  if (await isUpToDate(db)) return db;
  // Only a new or older store pays for loading the migrator.
  const { Migrator } = await import('kysely/migration');
  const migrator = new Migrator({
    db,
    provider: { getMigrations: async () => MIGRATIONS },
    migrationTableName: 'berth_migration',
    migrationLockTableName: 'berth_migration_lock',
    // Capabilities land in parallel with numbers reserved up front, so a store may already hold a
    // later number when an earlier one arrives; migrations never depend on a later one.
    allowUnorderedMigrations: true,
  });
  for (let attempt = 0; ; attempt++) {
    const { error } = await migrator.migrateToLatest();
    if (!error) return db;
    // Two processes migrating at once: one of them sees the other's lock or tables; retry briefly.
    if (attempt < 20 && /locked|busy|already exists|UNIQUE/i.test(String(error))) {
      await new Promise((r) => setTimeout(r, 50 + attempt * 25));
      continue;
    }
    await db.destroy();
    throw new BerthError('BERTH_E_STORE', `could not prepare the store at ${path}: ${String(error)}`, { cause: error });
  }
}

/**
 * True when the store already records exactly this build's migrations (in any order): every command
 * opens the store, and one query is cheaper than the migrator. Kysely records a migration in the
 * transaction that applies it, so a recorded name means its schema is there (also with another
 * process migrating at the same time). Anything else (no table yet, a missing or unknown name)
 * goes through the migrator as before.
 */
async function isUpToDate(db: Kysely<Database>): Promise<boolean> {
  let applied: string[];
  try {
    applied = (await sql<{ name: string }>`select name from berth_migration`.execute(db)).rows.map((r) => r.name);
  } catch {
    return false;
  }
  const known = Object.keys(MIGRATIONS);
  return applied.length === known.length && known.every((name) => applied.includes(name));
}
