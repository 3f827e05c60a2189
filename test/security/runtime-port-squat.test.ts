import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { REPO } from '../helpers/berth-cli.ts';
import { TestServer } from '../helpers/berth-server.ts';
import { freePort } from '../helpers/instances.ts';

const ECHO = join(REPO, 'test', 'fixtures', 'services', 'echo-service.mjs');

/** Issue 19 item 4: a service declaring a port it does not listen on itself reaches whoever does. */
describe('proxy port squatting (issue 19 item 4)', () => {
  const t = new TestServer();
  let victim: Server;
  let victimPort: number;
  before(async () => {
    await t.start();
    await t.project('alpha');
    await t.project('beta');
    // Something that is not alpha's service listens on victimPort (beta's undeclared listener, another user's server…).
    victimPort = await freePort();
    victim = createServer((_req, res) => res.end('victim data'));
    await new Promise<void>((resolve) => victim.listen(victimPort, '127.0.0.1', resolve));
  });
  after(async () => {
    for (const [p, s] of [['alpha', 'squat'], ['beta', 'real'], ['alpha', 'own']]) await t.api('DELETE', `/api/projects/${p}/services/${s}`).catch(() => undefined);
    victim.close();
    await t.close();
    t.cleanup();
  });

  it("a service cannot claim Berth's own port or a port another service declares (409)", async () => {
    const berthPort = Number(new URL(t.url).port);
    const own = await t.api('POST', '/api/projects/alpha/services', { body: { name: 'own', command: 'sleep', args: '30', ports: [berthPort], preserve_base_path: true, requires_authentication: false } });
    assert.equal(own.status, 409, await own.clone().text());
    assert.equal(((await own.json()) as { error: { code: string } }).error.code, 'BERTH_E_PORT_RESERVED');
    const port = await freePort();
    const real = await t.api('POST', '/api/projects/beta/services', { body: { name: 'real', command: process.execPath, args: `${ECHO} ${port}`, ports: [port] } });
    assert.equal(real.status, 201, await real.clone().text());
    const taken = await t.api('POST', '/api/projects/alpha/services', { body: { name: 'squat', command: 'sleep', args: '30', ports: [port] } });
    assert.equal(taken.status, 409, await taken.clone().text());
    assert.match(((await taken.json()) as { error: { message: string } }).error.message, /another service already declares it/);
  });

  it("the proxy forwards only to a port the service's own processes listen on (502 otherwise), and refuses looping requests (508)", async () => {
    const squat = await t.api('POST', '/api/projects/alpha/services', { body: { name: 'squat', command: 'sleep', args: '60', ports: [victimPort], requires_authentication: false } });
    assert.equal(squat.status, 201, await squat.clone().text());
    const res = await t.api('GET', `/api/projects/alpha/services/squat/${victimPort}/`, { token: null });
    const text = await res.text();
    assert.doesNotMatch(text, /victim data/);
    assert.equal(res.status, 502, text);
    assert.match(text, /not part of service &#34;squat&#34;/);
    await t.api('DELETE', '/api/projects/alpha/services/squat');

    const port = await freePort();
    const mine = await t.api('POST', '/api/projects/alpha/services', { body: { name: 'squat', command: process.execPath, args: `${ECHO} ${port}`, ports: [port], requires_authentication: false } });
    assert.equal(mine.status, 201);
    let ok: Response | undefined;
    for (let i = 0; i < 50; i++) {
      ok = await t.api('GET', `/api/projects/alpha/services/squat/${port}/x`, { token: null });
      if (ok.status === 200) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.equal(ok!.status, 200, 'its own listener is reached');
    const seen = (await ok!.json()) as { headers: Record<string, string> };
    assert.equal(seen.headers['x-berth-hops'], '1');
    const looped = await t.api('GET', `/api/projects/alpha/services/squat/${port}/x`, { token: null, headers: { 'x-berth-hops': '4' } });
    assert.equal(looped.status, 508);
  });
});
