import { Kysely, SqliteDialect, sql } from 'kysely';
import type { Migration, MigrationResult } from 'kysely/migration';
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
import { migration0015ServerLeases } from './migrations/0015-server-leases.ts';
import { migration0016GitCredentials } from './migrations/0016-git-credentials.ts';
import { migration0017ServiceHosts } from './migrations/0017-service-hosts.ts';
import { migration0018ServerAddresses } from './migrations/0018-server-addresses.ts';
import { migration0019GitKnownHosts } from './migrations/0019-git-known-hosts.ts';
import { createStoreFile, NodeSqliteDatabase } from './node-sqlite-database.ts';
import { openPostgres } from './open-postgres.ts';
import { locationOf, storeError, type StoreTarget } from './store-location.ts';
import { isMissingMigrationTable, migrationState } from './migration-names.ts';
import type { Database } from './tables.ts';

export { describeStore, locationOf, type StoreTarget } from './store-location.ts';

/** Append-only list of migrations, applied in name order. The same list serves SQLite and PostgreSQL. */
export const MIGRATIONS: Record<string, Migration> = {
  '0001-runs': migration0001Runs,
  '0004-instances': migration0004Instances,
  '0003-server': migration0003Server,
  '0006-events-jobs-webhooks': migration0006EventsJobsWebhooks,
  '0008-sessions': migration0008Sessions,
  '0009-service-sessions': migration0009ServiceSessions,
  '0010-build-queue': migration0010BuildQueue,
  '0011-owner-start': migration0011OwnerStart,
  '0014-sealed-env-vars-web-sessions': migration0014SealedEnvVarsWebSessions,
  '0015-server-leases': migration0015ServerLeases,
  '0016-git-credentials': migration0016GitCredentials,
  '0017-service-hosts': migration0017ServiceHosts,
  '0018-server-addresses': migration0018ServerAddresses,
  '0019-git-known-hosts': migration0019GitKnownHosts,
};

/** Opens the store without touching its schema (for `berth db status`). */
export async function connectStore(target: StoreTarget): Promise<Kysely<Database>> {
  const loc = locationOf(target);
  if (loc.dialect === 'postgres') return openPostgres(loc.url);
  createStoreFile(loc.path);
  return new Kysely<Database>({ dialect: new SqliteDialect({ database: new NodeSqliteDatabase(loc.path) }) });
}

/**
 * Opens (creating if needed) the store — SQLite at a path, or PostgreSQL — and brings its schema up
 * to date. Safe when several Berth processes open the same store at once (PostgreSQL: an advisory
 * lock makes one of them migrate; the others wait and find it done).
 */
export async function openStore(target: StoreTarget): Promise<Kysely<Database>> {
  const db = await connectStore(target);
  try {
    await migrateStore(db);
  } catch (e) {
    await db.destroy().catch(() => undefined);
    throw storeError(target, e);
  }
  return db;
}

/** Applies the migrations `db` lacks; returns the names this call applied (none when up to date). */
export async function migrateStore(db: Kysely<Database>): Promise<string[]> {
  if ((await appliedMigrations(db)).upToDate) return [];
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
    const { error, results } = await migrator.migrateToLatest();
    if (!error) return applied(results);
    // Two processes migrating a new SQLite store at once: one sees the other's lock or tables; retry briefly.
    if (attempt < 20 && /locked|busy|already exists|UNIQUE|duplicate key|duplicate column/i.test(String(error))) {
      await new Promise((r) => setTimeout(r, 50 + attempt * 25));
      continue;
    }
    throw new BerthError('BERTH_E_STORE', String(error), { cause: error });
  }
}

function applied(results: MigrationResult[] | undefined): string[] {
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}

/**
 * The migrations the store records, and whether they are exactly this build's (in any order): every
 * command opens the store, and one query is cheaper than the migrator. Kysely records a migration in
 * the transaction that applies it, so a recorded name means its schema is there (also with another
 * process migrating at the same time). Anything else (no table yet, a missing or unknown name) goes
 * through the migrator.
 */
export async function appliedMigrations(db: Kysely<Database>): Promise<{ applied: string[]; pending: string[]; unknown: string[]; upToDate: boolean }> {
  let applied: string[] = [];
  try {
    applied = (await sql<{ name: string }>`select name from berth_migration order by name`.execute(db)).rows.map((r) => r.name);
  } catch (e) {
    // No migration table yet is a new store; anything else (an unreachable server) is an error.
    if (!isMissingMigrationTable(e)) throw e;
    applied = [];
  }
  return { applied, ...migrationState(applied) };
}
