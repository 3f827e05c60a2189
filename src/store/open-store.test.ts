import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Kysely, SqliteDialect, sql } from 'kysely';
import { Migrator } from 'kysely/migration';
import { migration0001Runs } from './migrations/0001-runs.ts';
import { migration0004Instances } from './migrations/0004-instances.ts';
import { NodeSqliteDatabase } from './node-sqlite-database.ts';
import { appliedMigrations, connectStore, migrateStore, MIGRATIONS, openStore } from './open-store.ts';
import { freshStore, type Backend, type TestStore } from '../../test/helpers/store-backends.ts';

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

describe('one set of migrations on both backends', () => {
  const stores: TestStore[] = [];
  after(async () => {
    for (const s of stores) await s.drop();
  });

  async function schemaOf(backend: Backend) {
    const store = await freshStore(backend);
    stores.push(store);
    const db = await openStore(store.location);
    try {
      const tables = await db.introspection.getTables();
      const migrations = await appliedMigrations(db);
      // SQLite (for compatibility) lets a non-integer PRIMARY KEY column hold NULL; PostgreSQL does
      // not. Berth never writes one, so primary-key columns compare as NOT NULL.
      const pk = new Set<string>();
      if (backend === 'sqlite') {
        for (const t of tables) {
          const rows = await sql<{ name: string }>`select name from pragma_table_info(${t.name}) where pk > 0`.execute(db);
          for (const r of rows.rows) pk.add(`${t.name}.${r.name}`);
        }
      }
      return {
        migrations: migrations.applied,
        tables: Object.fromEntries(
          tables
            .filter((t) => !t.name.startsWith('berth_migration') && !t.isView)
            .sort((a, b) => a.name.localeCompare(b.name))
            .map((t) => [t.name, t.columns.map((c) => `${c.name}${c.isNullable && !pk.has(`${t.name}.${c.name}`) ? '?' : ''}${c.hasDefaultValue || c.isAutoIncrementing ? '=' : ''}`)]),
        ),
      };
    } finally {
      await db.destroy();
    }
  }

  test('SQLite and PostgreSQL get the same tables, columns, nullability and migrations', async () => {
    const [lite, pg] = await Promise.all([schemaOf('sqlite'), schemaOf('postgres')]);
    assert.deepEqual(pg.migrations, lite.migrations);
    assert.deepEqual(pg.tables, lite.tables);
    assert.ok(Object.keys(pg.tables).length >= 19);
  });

  test('a new PostgreSQL store opened by several handles at once is migrated once', async () => {
    const store = await freshStore('postgres');
    stores.push(store);
    const dbs = await Promise.all([openStore(store.location), openStore(store.location), openStore(store.location)]);
    try {
      const rows = await dbs[0]!.selectFrom('berth_migration' as never).select('name' as never).execute();
      assert.equal(rows.length, Object.keys(MIGRATIONS).length);
      assert.equal((await appliedMigrations(dbs[1]!)).upToDate, true);
    } finally {
      await Promise.all(dbs.map((d) => d.destroy()));
    }
  });

  test('an older PostgreSQL store (only early migrations) is brought up to date', async () => {
    const store = await freshStore('postgres');
    stores.push(store);
    const old = await connectStore(store.location);
    const { error } = await new Migrator({
      db: old,
      provider: { getMigrations: async () => ({ '0001-runs': migration0001Runs, '0004-instances': migration0004Instances }) },
      migrationTableName: 'berth_migration',
      migrationLockTableName: 'berth_migration_lock',
    }).migrateToLatest();
    assert.equal(error, undefined);
    assert.deepEqual((await appliedMigrations(old)).applied, ['0001-runs', '0004-instances']);
    await old.destroy();
    const db = await openStore(store.location);
    try {
      assert.equal((await appliedMigrations(db)).upToDate, true);
      assert.deepEqual(await migrateStore(db), [], 'nothing left to apply');
    } finally {
      await db.destroy();
    }
  });
});
