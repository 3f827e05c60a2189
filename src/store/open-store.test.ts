import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Kysely, SqliteDialect } from 'kysely';
import { Migrator } from 'kysely/migration';
import { migration0001Runs } from './migrations/0001-runs.ts';
import { migration0004Instances } from './migrations/0004-instances.ts';
import { NodeSqliteDatabase } from './node-sqlite-database.ts';
import { openStore } from './open-store.ts';

const dir = mkdtempSync(join(tmpdir(), 'berth-open-store-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function names(path: string, query: string): string[] {
  const db = new DatabaseSync(path);
  try {
    return (db.prepare(query).all() as { name: string }[]).map((r) => r.name);
  } finally {
    db.close();
  }
}
const tables = (path: string) => names(path, "select name from sqlite_master where type = 'table' order by name");
const migrationNames = (path: string) => names(path, 'select name from berth_migration order by name');

describe('openStore', () => {
  test('a new store gets every migration', async () => {
    const path = join(dir, 'new.sqlite');
    await (await openStore(path)).destroy();
    assert.ok(tables(path).includes('runs') && tables(path).includes('builds') && tables(path).includes('instances'));
    assert.ok(migrationNames(path).includes('0010-build-queue'));
  });

  test('an older store (applied out of order, missing later ones) is brought up to date', async () => {
    const path = join(dir, 'old.sqlite');
    const old = new Kysely<unknown>({ dialect: new SqliteDialect({ database: new NodeSqliteDatabase(path) }) });
    const { error } = await new Migrator({
      db: old,
      provider: { getMigrations: async () => ({ '0001-runs': migration0001Runs, '0004-instances': migration0004Instances }) },
      migrationTableName: 'berth_migration',
      migrationLockTableName: 'berth_migration_lock',
    }).migrateToLatest();
    assert.equal(error, undefined);
    await old.destroy();
    assert.ok(!tables(path).includes('builds'));
    await (await openStore(path)).destroy();
    assert.ok(tables(path).includes('builds'), 'the missing later migration was applied');
    assert.deepEqual(migrationNames(path), migrationNames(join(dir, 'new.sqlite')));
  });

  test('an up-to-date store opens without running the migrator', async () => {
    const path = join(dir, 'current.sqlite');
    await (await openStore(path)).destroy();
    // The migrator (re)creates its lock table whenever it runs; an up-to-date store must not need it.
    const raw = new DatabaseSync(path);
    raw.exec('drop table berth_migration_lock');
    raw.close();
    const db = await openStore(path);
    await db.destroy();
    assert.ok(!tables(path).includes('berth_migration_lock'));
  });

  test('two processes opening a new store at once both get a migrated store', async () => {
    const path = join(dir, 'race.sqlite');
    const [a, b] = await Promise.all([openStore(path), openStore(path)]);
    await Promise.all([a.destroy(), b.destroy()]);
    assert.deepEqual(migrationNames(path), migrationNames(join(dir, 'new.sqlite')));
  });
});
