/**
 * The names of this build's migrations (open-store.ts has them with their code; a test keeps the two
 * equal): `berth instance` checks that a store is up to date without loading Kysely's migrator.
 */
export const MIGRATION_NAMES: readonly string[] = [
  '0001-runs',
  '0003-server',
  '0004-instances',
  '0006-events-jobs-webhooks',
  '0008-sessions',
  '0009-service-sessions',
  '0010-build-queue',
  '0011-owner-start',
  '0014-sealed-env-vars-web-sessions',
  '0015-server-leases',
  '0016-git-credentials',
  '0017-service-hosts',
  '0018-server-addresses',
  '0019-git-known-hosts',
];

/** How the migrations a store records compare with this build's: up to date when exactly the same names (in any order). */
export function migrationState(applied: readonly string[]): { pending: string[]; unknown: string[]; upToDate: boolean } {
  const pending = MIGRATION_NAMES.filter((name) => !applied.includes(name)).sort();
  const unknown = applied.filter((name) => !MIGRATION_NAMES.includes(name));
  return { pending, unknown, upToDate: pending.length === 0 && unknown.length === 0 };
}

/** The error of a store without a migration table yet (a new store), on SQLite or PostgreSQL. */
export function isMissingMigrationTable(e: unknown): boolean {
  return /no such table|does not exist/i.test(String(e));
}
