import type { StoreLocation } from '../config/config.ts';
import { isBerthError } from '../errors.ts';
import { InstanceRepository } from './instance-repository.ts';
import { isMissingMigrationTable, migrationState } from './migration-names.ts';
import { createStoreFile, NodeSqliteDatabase } from './node-sqlite-database.ts';
import { SqliteSqlRunner } from './sqlite-sql-runner.ts';
import { storeError } from './store-location.ts';

/** The instances of a store, and how to let go of it. */
export interface InstanceStore {
  repo: InstanceRepository;
  close(): Promise<void>;
}

/**
 * Opens the store for `berth instance` and the instance supervisors. On SQLite that is one bare
 * node:sqlite connection: Kysely is loaded only when the store is new or older than this build (to
 * migrate it, as every command does). PostgreSQL goes through Kysely's pool as everywhere else.
 */
export async function openInstanceStore(location: StoreLocation): Promise<InstanceStore> {
  if (location.dialect === 'postgres') {
    const [{ openStore }, { kyselySqlRunner }] = await Promise.all([import('./open-store.ts'), import('./kysely-sql-runner.ts')]);
    const db = await openStore(location);
    return { repo: new InstanceRepository(kyselySqlRunner(db)), close: () => db.destroy() };
  }
  let runner: SqliteSqlRunner | undefined;
  try {
    runner = openSqlite(location.path);
    if (!(await upToDate(runner))) {
      runner.close();
      runner = undefined;
      const { openStore } = await import('./open-store.ts');
      await (await openStore(location)).destroy();
      runner = openSqlite(location.path);
    }
  } catch (e) {
    runner?.close();
    throw isBerthError(e) ? e : storeError(location, e);
  }
  const opened = runner;
  return { repo: new InstanceRepository(opened), close: async () => opened.close() };
}

function openSqlite(path: string): SqliteSqlRunner {
  createStoreFile(path);
  return new SqliteSqlRunner(new NodeSqliteDatabase(path));
}

/** Whether the store records exactly this build's migrations (a new store has no table yet). */
async function upToDate(runner: SqliteSqlRunner): Promise<boolean> {
  try {
    const rows = await runner.all<{ name: string }>('select name from berth_migration', []);
    return migrationState(rows.map((r) => r.name)).upToDate;
  } catch (e) {
    if (isMissingMigrationTable(e)) return false;
    throw e;
  }
}
