import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { promisify } from 'node:util';
import assert from 'node:assert/strict';
import { DatabaseSync } from 'node:sqlite';
import { Worker } from 'node:worker_threads';
import { NodeSqliteDatabase } from './node-sqlite-database.ts';

const run = promisify(execFile);
const adapter = new URL('./node-sqlite-database.ts', import.meta.url).href;

/** One process: `count` transactions that each read the table and then write to it. */
function writer(path: string, count: number): string {
  return `
    import { Kysely, SqliteDialect, sql } from 'kysely';
    import { NodeSqliteDatabase } from ${JSON.stringify(adapter)};
    const db = new Kysely({ dialect: new SqliteDialect({ database: new NodeSqliteDatabase(${JSON.stringify(path)}) }) });
    for (let i = 0; i < ${count}; i++) {
      await db.transaction().execute(async (tx) => {
        const { rows } = await sql\`select count(*) as n from t\`.execute(tx);
        await new Promise((r) => setImmediate(r));
        await sql\`insert into t (seen) values (\${rows[0].n})\`.execute(tx);
      });
    }
    await db.destroy();
  `;
}

describe('NodeSqliteDatabase across processes', () => {
  const dir = mkdtempSync(join(tmpdir(), 'berth-sqlite-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  // CI saw "database is locked" from two `berth run` processes on one BERTH_HOME: a deferred
  // transaction that reads and then writes gets SQLITE_BUSY at once when another process wrote in
  // between, whatever the busy timeout.
  test('transactions that read then write from four processes at once all commit', async () => {
    const path = join(dir, 'berth.db');
    const setup = new DatabaseSync(path);
    setup.exec('PRAGMA journal_mode = WAL; create table t (id integer primary key, seen integer not null)');
    setup.close();
    const results = await Promise.allSettled(
      [1, 2, 3, 4].map(() => run(process.execPath, ['--input-type=module', '-e', writer(path, 150)], { cwd: process.cwd() })),
    );
    const failures = results.flatMap((r) => (r.status === 'rejected' ? [String((r.reason as { stderr?: string }).stderr ?? r.reason).slice(0, 300)] : []));
    assert.deepEqual(failures, []);
    const db = new DatabaseSync(path);
    const rows = db.prepare('select seen from t order by id').all() as { seen: number }[];
    db.close();
    assert.equal(rows.length, 600);
    // Each transaction saw every row committed before it: the reads and writes were serialised.
    assert.deepEqual(rows.map((r) => r.seen), rows.map((_, i) => i));
  });

  // CI saw "database is locked" from four `berth runs` opening one new BERTH_HOME: switching a new
  // file to WAL while another connection holds its write lock answers SQLITE_BUSY at once.
  test('opening a new store while another process holds its write lock waits instead of failing', async () => {
    const path = join(dir, 'new.db');
    writeFileSync(path, '');
    const holder = new Worker(
      `const { DatabaseSync } = require('node:sqlite');
       const { parentPort } = require('node:worker_threads');
       const db = new DatabaseSync(${JSON.stringify(path)});
       db.exec('begin immediate; create table held (x)');
       parentPort.postMessage('held');
       setTimeout(() => { db.exec('commit'); db.close(); }, 200);`,
      { eval: true },
    );
    await new Promise((resolve) => holder.once('message', resolve));
    const db = new NodeSqliteDatabase(path);
    const mode = db.prepare('PRAGMA journal_mode').all([]) as { journal_mode: string }[];
    db.close();
    await holder.terminate();
    assert.equal(mode[0]?.journal_mode, 'wal');
  });
});
