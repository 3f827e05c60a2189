import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { AttackServer, attackRuntimes } from './attack-server.ts';

const PORT = 22000 + (process.pid % 1000) * 2;
const CONNECTIONS = 300;
const CONCURRENCY = 16;

/** Deterministic pseudo-random numbers, so a failing case can be replayed. */
function rng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => ((x = (x * 1103515245 + 12345) >>> 0) / 2 ** 32);
}

for (const runtime of await attackRuntimes('raw-TCP fuzz')) describe(`security (${runtime} runtime): a bounded raw-TCP fuzz leaves the server up for every project`, () => {
  const s = new AttackServer(runtime);
  let proxied = '';
  before(async () => {
    await s.start();
    proxied = await s.deploy('a', s.echoService('echo', PORT));
  });
  after(async () => {
    await s.api('DELETE', '/api/projects/a/services/echo');
    await s.stop();
    s.cleanup();
  });

  it(`${CONNECTIONS} hostile connections (resets mid-request, mid-upgrade, mid-proxied-stream, garbage, partial and oversized headers), then /api/health answers and project b still runs`, async () => {
    const auth = `Authorization: Bearer ${s.tokenA}\r\n`;
    const ws = 'Connection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n';
    const cases: Array<(r: () => number) => { data: Array<string | Buffer>; waitMs: number; end: 'reset' | 'fin' | 'half' }> = [
      // Reset in the middle of a request line or of the headers.
      (r) => ({ data: ['GET /api/health HTTP/1.1\r\nHost: x\r\n'.slice(0, 1 + Math.floor(r() * 30))], waitMs: Math.floor(r() * 10), end: 'reset' }),
      // A JSON body announced longer than what is sent, then a reset.
      () => ({ data: [`PUT /api/projects/a/pipelines/x.orchest HTTP/1.1\r\nHost: x\r\n${auth}Content-Type: application/json\r\nContent-Length: 5000\r\n\r\n{"name":`], waitMs: 5, end: 'reset' }),
      // Unauthenticated and authenticated upgrades, reset before or after the answer.
      (r) => ({ data: [`GET / HTTP/1.1\r\nHost: x\r\n${ws}\r\n`], waitMs: Math.floor(r() * 5), end: 'reset' }),
      (r) => ({ data: [`GET ${proxied}/ HTTP/1.1\r\nHost: x\r\n${ws}${r() < 0.5 ? auth : ''}\r\n`], waitMs: Math.floor(r() * 30), end: 'reset' }),
      // A proxied websocket that is open, gets a frame, then is reset or left half-open.
      (r) => ({ data: [`GET ${proxied}/ HTTP/1.1\r\nHost: x\r\n${ws}${auth}\r\n`, Buffer.from([0x81, 0x85, 1, 2, 3, 4, 0x69, 0x67, 0x6f, 0x68, 0x6e])], waitMs: 20 + Math.floor(r() * 30), end: r() < 0.5 ? 'reset' : 'half' }),
      // A proxied HTTP answer in flight, reset mid-stream; a proxied upload cut short.
      (r) => ({ data: [`GET ${proxied}/slow?ms=${Math.floor(r() * 50)} HTTP/1.1\r\nHost: x\r\n${auth}\r\n`], waitMs: Math.floor(r() * 60), end: 'reset' }),
      () => ({ data: [`POST ${proxied}/up HTTP/1.1\r\nHost: x\r\n${auth}Content-Length: 100000\r\n\r\n${'x'.repeat(1000)}`], waitMs: 10, end: 'reset' }),
      // Garbage, a malformed upgrade, an oversized header, a request split and abandoned (FIN or half-open).
      (r) => ({ data: [randomBytes(1 + Math.floor(r() * 600))], waitMs: Math.floor(r() * 10), end: r() < 0.5 ? 'reset' : 'fin' }),
      () => ({ data: ['GET / HTTP/1.1\r\nUpgrade: \u0000\u00ff\r\nConnection: Upgrade\r\n\r\n'], waitMs: 2, end: 'fin' }),
      () => ({ data: [`GET /api/health HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`], waitMs: 5, end: 'fin' }),
      (r) => ({ data: ['GET /api/projects HTTP/1.1\r\n', 'Host: x\r\n'], waitMs: Math.floor(r() * 40), end: r() < 0.5 ? 'half' : 'reset' }),
      () => ({ data: ['GET /api/health HTTP/1.1\r\nHost: x\r\n\r\nGET /api/health HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n'], waitMs: 5, end: 'reset' }),
    ];
    const r = rng(19);
    let next = 0;
    let errors = 0;
    const started = Date.now();
    const one = async (i: number) => {
      const c = cases[i % cases.length]!(r);
      const sock = await s.connect();
      sock.on('error', () => errors++);
      sock.on('data', () => {});
      for (const d of c.data) {
        sock.write(d);
        await new Promise((res) => setTimeout(res, 1));
      }
      await new Promise((res) => setTimeout(res, c.waitMs));
      if (c.end === 'reset') sock.resetAndDestroy();
      else if (c.end === 'fin') sock.end();
      else setTimeout(() => sock.destroy(), 200).unref();
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
      while (next < CONNECTIONS) await one(next++);
    }));
    const tookMs = Date.now() - started;
    assert.ok(tookMs < 30_000, `the fuzz is bounded (${tookMs} ms)`);
    await new Promise((res) => setTimeout(res, 300));
    assert.equal(await s.alive(), true, s.stderr());
    const ok = await s.api('GET', `${proxied}/after`, { token: s.tokenA });
    assert.equal(ok.status, 200, 'the proxy still forwards');
    const run = await s.run('b');
    assert.deepEqual(run, { status: 'SUCCESS', log: 'ran-ok\n' }, 'a run in another project still succeeds');
    assert.equal(/Error|ECONNRESET/.test(s.stderr().replace(/^.*listening on.*$/m, '')), false, `no error reached the server's stderr:\n${s.stderr()}`);
  });
});
