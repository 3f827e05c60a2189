import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { after, describe, test } from 'node:test';
import { isBerthError } from '../errors.ts';
import type { InstanceRow } from './instance-repository.ts';
import { MIGRATION_NAMES } from './migration-names.ts';
import { NodeSqliteDatabase } from './node-sqlite-database.ts';
import { openInstanceStore } from './open-instance-store.ts';
import { MIGRATIONS, openStore } from './open-store.ts';
import { SqliteSqlRunner } from './sqlite-sql-runner.ts';

const dir = mkdtempSync(join(tmpdir(), 'berth-instance-store-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function row(id: string, name: string): InstanceRow {
  return {
    id, name, owner: 'u', owner_uid: 1000, host: 'h', runtime: 'process', image: 'host', command_json: '["sleep","9"]',
    restart_policy: 'no', health_cmd: null, health_port: null, health_interval_ms: 1000, health: 'none', status: 'starting',
    keeper_pid: 1, keeper_start: 1, handle_json: null, log_out_path: '/x.out', log_err_path: '/x.err', restarts: 0,
    exit_code: null, reason: null, stop_signal: null, stop_grace_ms: null, created_at: '2026-01-01T00:00:00.000Z', started_at: null,
  };
}

describe('openInstanceStore (SQLite without Kysely)', () => {
  test('the migration names it checks are exactly the migrations open-store applies', () => {
    assert.deepEqual([...MIGRATION_NAMES].sort(), Object.keys(MIGRATIONS).sort());
  });

  test('a new store is created owner-only and migrated; its rows are what Kysely reads', async () => {
    const path = join(dir, 'new', 'berth.db');
    const store = await openInstanceStore({ dialect: 'sqlite', path });
    try {
      assert.equal(await store.repo.claim(row('1', 'web')), true);
      assert.equal(await store.repo.claim(row('2', 'web')), false, 'one name per owner');
      await store.repo.adopt('1', 42, 7, '{"id":"1-1"}');
    } finally {
      await store.close();
    }
    assert.equal(statSync(path).mode & 0o777, 0o600);
    const db = new DatabaseSync(path);
    try {
      assert.deepEqual((db.prepare('select name from berth_migration order by name').all() as { name: string }[]).map((r) => r.name), [...MIGRATION_NAMES].sort());
    } finally {
      db.close();
    }
    const kysely = await openStore(path);
    try {
      const got = await kysely.selectFrom('instances').selectAll().where('id', '=', '1').executeTakeFirstOrThrow();
      assert.deepEqual({ ...got, started_at: null }, { ...row('1', 'web'), status: 'running', keeper_pid: 42, keeper_start: 7, handle_json: '{"id":"1-1"}' });
      assert.match(String(got.started_at), /^\d{4}-\d\d-\d\dT/);
    } finally {
      await kysely.destroy();
    }
  });

  test('an up-to-date store is opened without loading Kysely', () => {
    const path = join(dir, 'lean', 'berth.db');
    const script = `
      import { registerHooks } from 'node:module';
      const seen = [];
      registerHooks({ resolve: (specifier, context, next) => { seen.push(specifier); return next(specifier, context); } });
      const { openInstanceStore } = await import(${JSON.stringify(new URL('./open-instance-store.ts', import.meta.url).href)});
      for (const round of [1, 2]) {
        if (round === 2) seen.length = 0;
        const store = await openInstanceStore({ dialect: 'sqlite', path: ${JSON.stringify(path)} });
        await store.repo.list({ uid: 0, admin: true });
        await store.close();
      }
      process.stdout.write(JSON.stringify(seen));`;
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    const second: string[] = JSON.parse(r.stdout);
    assert.deepEqual(second.filter((s) => /kysely|open-store/.test(s)), [], `the second open (store up to date) resolved ${second.join(', ')}`);
  });

  test('a path that is a folder is BERTH_E_STORE naming BERTH_HOME, with nothing left open', async () => {
    const path = join(dir, 'folder.db');
    mkdirSync(path);
    await assert.rejects(openInstanceStore({ dialect: 'sqlite', path }), (e) => isBerthError(e) && e.code === 'BERTH_E_STORE' && e.problems[0]?.path === 'BERTH_HOME' && e.message.includes(path));
  });
});

describe('SqliteSqlRunner', () => {
  test('a statement of another caller waits for a transaction to end, and a failed transaction leaves nothing', async () => {
    const path = join(dir, 'runner.db');
    await (await openStore(path)).destroy();
    const runner = new SqliteSqlRunner(new NodeSqliteDatabase(path));
    try {
      let release!: () => void;
      const held = new Promise<void>((resolve) => (release = resolve));
      const tx = runner.transaction(async (t) => {
        await t.run('insert into instances (id, name, owner, owner_uid, host, runtime, image, command_json, restart_policy, health_interval_ms, health, status, keeper_pid, keeper_start, log_out_path, log_err_path, restarts, created_at) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
          ['t1', 'in-tx', 'u', 1, 'h', 'process', 'host', '[]', 'no', 0, 'none', 'starting', 1, 1, '/o', '/e', 0, 'now']);
        await held;
        throw new Error('abandoned');
      });
      const outside = runner.all<{ n: number }>('select count(*) as n from instances', []);
      release();
      await assert.rejects(tx, /abandoned/);
      assert.deepEqual((await outside).map((r) => r.n), [0], 'ran after the rollback, not inside the transaction');
      assert.equal(await runner.run('delete from instances where id = ?', ['t1']), 0);
    } finally {
      runner.close();
    }
  });
});
