import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { AttackServer, attackRuntimes, sendAndReset } from './attack-server.ts';

const PORT = 21000 + (process.pid % 1000) * 2;
const upgrade = (path: string, extra = '') => `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n${extra}\r\n`;

for (const runtime of await attackRuntimes('upgrade-and-reset')) describe(`security (${runtime} runtime): websocket upgrades that are reset never stop the server`, () => {
  const s = new AttackServer(runtime);
  before(async () => {
    await s.start();
    await s.deploy('a', s.echoService('plain', PORT, { plain: true }));
  });
  after(async () => {
    await s.api('DELETE', '/api/projects/a/services/plain');
    await s.stop();
    s.cleanup();
  });

  it('an unauthenticated upgrade on / (or on a service path) followed by a TCP reset', async () => {
    for (let i = 0; i < 40; i++) {
      await sendAndReset(s, upgrade('/'));
      await sendAndReset(s, upgrade(`/api/projects/a/services/plain/${PORT}/`));
      await sendAndReset(s, upgrade('/nope'), 5);
    }
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(await s.alive(), true, s.stderr());
  });

  it('a client that resets during an authenticated upgrade to a service that is not a websocket', async () => {
    for (let i = 0; i < 30; i++) {
      await sendAndReset(s, upgrade(`/api/projects/a/services/plain/${PORT}/`, `Authorization: Bearer ${s.tokenA}\r\n`), i % 3 === 0 ? 0 : 20 + (i % 5) * 10);
    }
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(await s.alive(), true, s.stderr());
  });

  it('an upgrade with another project\'s token or none is refused with its status, and the server goes on', async () => {
    for (const [token, status] of [[s.tokenB, 403], [null, 401]] as const) {
      const sock = await s.connect();
      let answer = '';
      sock.on('data', (d) => (answer += d.toString()));
      sock.write(upgrade(`/api/projects/a/services/plain/${PORT}/`, token ? `Authorization: Bearer ${token}\r\n` : ''));
      await new Promise((r) => sock.on('close', r));
      assert.match(answer, new RegExp(`^HTTP/1.1 ${status} `));
    }
    assert.equal(await s.alive(), true);
  });

  it('oversized headers and garbage get a coded answer on their own connection only', async () => {
    const answer = async (data: string) => {
      const sock = await s.connect();
      let out = '';
      sock.on('data', (d) => (out += d.toString()));
      sock.write(data);
      await new Promise((r) => sock.on('close', r));
      return out;
    };
    const big = await answer(`GET /api/health HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`);
    assert.match(big, /^HTTP\/1.1 431 BERTH_E_HEADERS_TOO_LARGE/);
    assert.match(big, /"code":"BERTH_E_HEADERS_TOO_LARGE"/);
    const garbage = await answer('\u0001\u0002 not http at all\r\n\r\n');
    assert.match(garbage, /^HTTP\/1.1 400 BERTH_E_BAD_REQUEST/);
    assert.equal(await s.alive(), true);
    assert.deepEqual(await s.run('b'), { status: 'SUCCESS', log: 'ran-ok\n' }, 'another project still runs');
  });
});
