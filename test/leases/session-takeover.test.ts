import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { loadConfig } from '../../src/config/config.ts';
import { Engine } from '../../src/engine/engine.ts';
import { LeaseRepository } from '../../src/store/lease-repository.ts';
import { openStore } from '../../src/store/open-store.ts';
import { pipeline, Sandbox, writePipeline } from '../helpers/berth-cli.ts';
import { freshStore, type TestStore } from '../helpers/store-backends.ts';

/**
 * Servers on several hosts share one PostgreSQL store: a session another host's server was starting
 * or stopping cannot be judged by its pid here, only by that server's lease. Expired: a survivor
 * ends the session truthfully (FAILED / STOPPED with the reason). Live: it is left to its server.
 */
describe('sessions of a server on another host, judged by its lease', () => {
  const box = new Sandbox();
  let store: TestStore;
  box.file('steps/ok.sh', 'echo ok\n');
  const files = ['a', 'b', 'c'].map((p, i) => writePipeline(box, `${p}.orchest`, pipeline(p, [{ title: 'Ok', file: 'steps/ok.sh' }], { uuid: `1111111${i}-2222-4333-8444-555555555555` })));
  before(async () => {
    store = await freshStore('postgres');
  });
  after(async () => {
    await store?.drop();
    box.cleanup();
  });

  it('a survivor fails the one being started and finishes stopping the other when that lease expired; a live lease keeps its session', async () => {
    const config = loadConfig({ ...box.env(), ...store.env });
    const engine = await Engine.open(config);
    try {
      const started = await Promise.all(files.map((f) => engine.sessions.start(f)));
      const db = await openStore(config.database);
      try {
        const now = Date.now();
        const iso = (ms: number) => new Date(now + ms).toISOString();
        const leases = new LeaseRepository(db);
        await leases.renew({ id: 'far-dead', host: 'far-away-host', pid: 4242, now: iso(-60_000), leaseUntil: iso(-45_000) });
        await leases.renew({ id: 'far-live', host: 'far-away-host', pid: 4343, now: iso(0), leaseUntil: iso(600_000) });
        const own = (uuid: string, status: string, pid: number) =>
          db.updateTable('sessions').set({ status, owner_host: 'far-away-host', owner_pid: pid, owner_start: 1 }).where('uuid', '=', uuid).execute();
        await own(started[0]!.uuid, 'STARTING', 4242);
        await own(started[1]!.uuid, 'STOPPING', 4242);
        await own(started[2]!.uuid, 'STARTING', 4343);
      } finally {
        await db.destroy();
      }
      await engine.sessions.reconcile();
      const [a, b, c] = await Promise.all(files.map((f) => engine.sessions.status(f)));
      assert.equal(a!.status, 'FAILED');
      assert.match(a!.reason ?? '', /berth server \(host far-away-host, pid 4242\) starting this session stopped renewing its lease/);
      assert.match(b!.reason ?? '', /stopping this session stopped renewing its lease/);
      assert.equal(b!.status, 'STOPPED');
      assert.equal(c!.status, 'STARTING', 'its server still holds its lease');
    } finally {
      await engine.close();
    }
  });
});
