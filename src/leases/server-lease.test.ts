import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Kysely } from 'kysely';
import { openStore } from '../store/open-store.ts';
import { LeaseRepository } from '../store/lease-repository.ts';
import type { Database } from '../store/tables.ts';
import { freshStore, type TestStore } from '../../test/helpers/store-backends.ts';
import { ServerLease } from './server-lease.ts';

describe('ServerLease', () => {
  let store: TestStore;
  let db: Kysely<Database>;
  before(async () => {
    store = await freshStore('postgres');
    db = await openStore(store.location);
  });
  after(async () => {
    await db.destroy();
    await store.drop();
  });

  // CI saw a server's run ended as FAILURE by another server while the server was alive: its
  // heartbeat waited for its own reaper, so one slow reap on a busy machine cost it its lease.
  test('keeps renewing while its reaper is slower than the lease', async () => {
    let reaping = 0;
    let most = 0;
    const lease = new ServerLease(db, {
      leaseMs: 600,
      onBeat: async () => {
        most = Math.max(most, ++reaping);
        await new Promise((r) => setTimeout(r, 2_000));
        reaping--;
      },
    });
    await lease.start();
    const leases = new LeaseRepository(db);
    const expiredSeen: string[] = [];
    const until = Date.now() + 2_500;
    while (Date.now() < until) {
      await new Promise((r) => setTimeout(r, 100));
      for (const row of await leases.expired(new Date().toISOString())) expiredSeen.push(row.lease_until);
    }
    await lease.stop();
    assert.deepEqual(expiredSeen, [], 'the lease expired while the server was alive');
    assert.equal(most, 1, 'one reap at a time');
  });
});
