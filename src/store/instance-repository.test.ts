import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { InstanceRepository, type InstanceRow } from './instance-repository.ts';
import { kyselySqlRunner } from './kysely-sql-runner.ts';
import { openStore } from './open-store.ts';

function row(id: string, name: string, uid: number): InstanceRow {
  return {
    id, name, owner: `u${uid}`, owner_uid: uid, host: 'h', runtime: 'process', image: 'host', command_json: '["sleep","9"]',
    restart_policy: 'no', health_cmd: null, health_port: null, health_interval_ms: 1000, health: 'none', status: 'starting',
    keeper_pid: 1, keeper_start: 1, handle_json: null, log_out_path: '/x.out', log_err_path: '/x.err', restarts: 0,
    exit_code: null, reason: null, stop_signal: null, stop_grace_ms: null, created_at: '2026-01-01T00:00:00.000Z', started_at: null,
  };
}

describe('InstanceRepository', () => {
  const dir = mkdtempSync(join(tmpdir(), 'berth-instances-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('one name per owner, decided by the store even for concurrent claims from two connections', async () => {
    const [a, b] = await Promise.all([openStore(join(dir, 'berth.db')), openStore(join(dir, 'berth.db'))]);
    try {
      const results = await Promise.all([new InstanceRepository(kyselySqlRunner(a!)).claim(row('1', 'web', 1000)), new InstanceRepository(kyselySqlRunner(b!)).claim(row('2', 'web', 1000))]);
      assert.deepEqual(results.sort(), [false, true]);
      assert.equal(await new InstanceRepository(kyselySqlRunner(a!)).claim(row('3', 'web', 1001)), true, 'another user may use the same name');
    } finally {
      await a!.destroy();
      await b!.destroy();
    }
  });

  it('non-admins list only their own instances; admins list all', async () => {
    const db = await openStore(join(dir, 'berth.db'));
    try {
      const repo = new InstanceRepository(kyselySqlRunner(db));
      assert.deepEqual((await repo.list({ uid: 1001, admin: false })).map((r) => r.id), ['3']);
      assert.deepEqual((await repo.list({ uid: 0, admin: true })).map((r) => r.owner_uid).sort(), [1000, 1001]);
    } finally {
      await db.destroy();
    }
  });

  it('a stopping row is not changed by its keeper any more', async () => {
    const db = await openStore(join(dir, 'berth.db'));
    try {
      const repo = new InstanceRepository(kyselySqlRunner(db));
      assert.equal(await repo.updateUnlessStopping('3', { status: 'running' }), true);
      assert.equal(await repo.requestStop('3', 'SIGINT', 10_000), true);
      assert.equal(await repo.updateUnlessStopping('3', { status: 'restarting' }), false);
      assert.equal((await repo.get('3'))?.status, 'stopping');
    } finally {
      await db.destroy();
    }
  });
});
