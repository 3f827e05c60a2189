import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import type { Kysely } from 'kysely';
import { freshStore, type TestStore } from '../../test/helpers/store-backends.ts';
import { signForward } from '../auth/forward-signature.ts';
import { isBerthError } from '../errors.ts';
import { openStore } from '../store/open-store.ts';
import type { Database } from '../store/tables.ts';
import { LeaseRepository } from '../store/lease-repository.ts';
import { ServerPeers } from './server-peers.ts';

/** Forwards between servers: signed for one server and one request, within 30 s, once. */
describe('server peers: signing and checking forwards', () => {
  let store: TestStore;
  let db: Kysely<Database>;
  const key = randomBytes(32);
  let clock = Date.parse('2026-01-01T00:00:00Z');
  const now = () => clock;
  let a: ServerPeers;
  let b: ServerPeers;
  const req = { method: 'GET', url: '/api/projects/p/services/web/8080/x?y=1', host: 'berth.example:7420' };
  const refusedFor = (why: RegExp) => (e: unknown) => isBerthError(e) && e.code === 'BERTH_E_FORWARD_REFUSED' && e.httpStatus === 401 && why.test(e.message);

  before(async () => {
    store = await freshStore('sqlite');
    db = await openStore(store.location);
    a = new ServerPeers(db, { selfId: 'host-a:1:x', host: 'host-a', key, now });
    b = new ServerPeers(db, { selfId: 'host-b:2:y', host: 'host-b', key, now });
  });
  after(async () => {
    await db.destroy();
    await store.drop();
  });

  test('a forward from B is accepted by A once, with the caller and client B vouched for', () => {
    const header = b.sign({ id: a.selfId, url: 'http://a' }, { ...req, tokenId: 'tok-1', ip: '10.1.2.3', proto: 'https' });
    const claims = a.accept(header, req);
    assert.equal(claims.tokenId, 'tok-1');
    assert.equal(claims.ip, '10.1.2.3');
    assert.equal(claims.from, b.selfId);
    assert.throws(() => a.accept(header, req), refusedFor(/replay/));
  });

  test('refused: another addressee, another request, too old or from the future, another key, garbage', () => {
    const sign = (o: Partial<typeof req> = {}, at = clock, k = key, to = a.selfId) => signForward(k, { ...req, ...o, to, from: b.selfId, tokenId: 't', ip: '1.1.1.1', proto: 'http', at });
    assert.throws(() => b.accept(sign(), req), refusedFor(/addressed to another server/));
    assert.throws(() => a.accept(sign({ method: 'POST' }), req), refusedFor(/another request/));
    assert.throws(() => a.accept(sign({ url: '/api/projects/p/services/web/8080/other' }), req), refusedFor(/another request/));
    assert.throws(() => a.accept(sign({ host: 'evil.example' }), req), refusedFor(/another request/));
    assert.throws(() => a.accept(sign({}, clock - 31_000), req), refusedFor(/older than 30 s/));
    assert.throws(() => a.accept(sign({}, clock + 31_000), req), refusedFor(/older than 30 s/));
    assert.throws(() => a.accept(sign({}, clock, randomBytes(32)), req), refusedFor(/signature does not match.*install\.key/));
    const [v, body, mac] = sign().split('.');
    const tampered = Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(body!, 'base64url').toString()), tokenId: 'admin' })).toString('base64url');
    assert.throws(() => a.accept(`${v}.${tampered}.${mac}`, req), refusedFor(/signature does not match/));
    for (const junk of ['', 'v1', 'v2.a.b', 'v1.a.b.c', 'Bearer xyz']) assert.throws(() => a.accept(junk, req), refusedFor(/./), junk);
    // Dot segments and percent-encoding are compared as HTTP clients send them.
    assert.equal(a.accept(sign({ url: '/api/projects/p/services/web/8080/a/../x?y=1' }), req).tokenId, 't');
  });

  test('a nonce is kept for the whole window (after it, the forward is refused for its age)', () => {
    const header = b.sign({ id: a.selfId, url: 'http://a' }, { ...req, tokenId: null, ip: '', proto: 'http' });
    a.accept(header, req);
    clock += 29_000;
    assert.throws(() => a.accept(header, req), refusedFor(/replay/));
    clock += 2_000;
    assert.throws(() => a.accept(header, req), refusedFor(/older than/));
  });

  test('the peer on a host is a live server there with a URL, never this server itself', async () => {
    const leases = new LeaseRepository(db);
    const iso = (ms: number) => new Date(clock + ms).toISOString();
    await leases.renew({ id: a.selfId, host: 'host-a', pid: 1, now: iso(0), leaseUntil: iso(15_000), url: 'http://10.0.0.1:7420' });
    assert.deepEqual(await b.on('host-a'), { id: a.selfId, url: 'http://10.0.0.1:7420' });
    assert.equal(await a.on('host-a'), null);
    assert.equal(await b.on('host-c'), null);
    await leases.end(a.selfId, iso(1));
    assert.deepEqual(await b.on('host-a'), { id: a.selfId, url: 'http://10.0.0.1:7420' }, 'remembered for a second');
    b.forget('host-a');
    assert.equal(await b.on('host-a'), null);
  });
});
