import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sql } from 'kysely';
import { freshStore } from '../../test/helpers/store-backends.ts';
import { migrateStore } from './open-store.ts';
import { openPostgres } from './open-postgres.ts';

test('postgres: repeated writes run as prepared statements; reads stay unnamed and see a column added later', async () => {
  const store = await freshStore('postgres');
  if (store.location.dialect !== 'postgres') throw new Error('expected a postgres store');
  // One connection, so every statement below shares its prepared statements.
  const db = await openPostgres(store.location.url, { max: 1 });
  try {
    await migrateStore(db);
    await db.insertInto('projects').values({ uuid: 'p1', name: 'one', path: '/one', created_at: 't0' }).execute();
    for (const name of ['a', 'b']) await db.updateTable('projects').set({ name }).where('uuid', '=', 'p1').execute();
    await db.selectFrom('projects').selectAll().where('uuid', '=', 'p1').execute();
    const prepared = (await sql<{ statement: string }>`select statement from pg_prepared_statements`.execute(db)).rows.map((r) => r.statement);
    assert.ok(prepared.some((s) => /^update "projects"/.test(s)), `the update is prepared: ${JSON.stringify(prepared)}`);
    assert.ok(!prepared.some((s) => /^select/i.test(s)), `no read is prepared: ${JSON.stringify(prepared)}`);

    // Another server's migration adds a column: the prepared write still runs, reads see the column.
    await sql`alter table projects add column extra text`.execute(db);
    await db.updateTable('projects').set({ name: 'c' }).where('uuid', '=', 'p1').execute();
    const row = (await db.selectFrom('projects').selectAll().where('uuid', '=', 'p1').executeTakeFirstOrThrow()) as Record<string, unknown>;
    assert.equal(row.name, 'c');
    assert.ok('extra' in row);
  } finally {
    await db.destroy();
    await store.drop();
  }
});
