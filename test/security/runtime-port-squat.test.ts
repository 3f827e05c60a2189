import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { REPO } from '../helpers/berth-cli.ts';
import { TestServer } from '../helpers/berth-server.ts';
import { dockerTestContext, PYTHON_IMAGE } from '../helpers/docker-test-context.ts';
import { eventually } from '../helpers/eventually.ts';
import { freePort } from '../helpers/instances.ts';
import { AttackServer } from './attack-server.ts';
import { killLeftovers } from './leftovers.ts';

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
    await killLeftovers(t.root);
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

/**
 * The same squat on the docker runtime: a service's declared port lives in its container and is
 * published on a host port the Engine picks, so the proxy must reach that published port or
 * nothing — never the host's own loopback port of the declared number (a service whose container
 * ended, or whose port was never published, would otherwise proxy to whoever listens there on the
 * host: another service, a database, Berth itself).
 */
const dockerCtx = await dockerTestContext('proxy port squatting on the docker runtime');
describe('proxy port squatting on the docker runtime (issue 19 item 4)', { skip: !dockerCtx.available && 'needs Docker' }, () => {
  const s = new AttackServer('docker');
  let victim: Server;
  let victimPort: number;
  before(async () => {
    await s.start();
    victimPort = await freePort();
    victim = createServer((_req, res) => res.end('victim data'));
    await new Promise<void>((resolve) => victim.listen(victimPort, '127.0.0.1', resolve));
  });
  after(async () => {
    for (const name of ['gone', 'own']) await s.api('DELETE', `/api/projects/a/services/${name}`).catch(() => undefined);
    victim?.close();
    await s.stop();
    s.cleanup();
  });

  it("a service whose container ended is a 502, never the host's listener on its declared port (nor Berth's own port)", async () => {
    for (const [name, port] of [['gone', victimPort], ['own', s.port]] as const) {
      const res = await s.api('POST', '/api/projects/a/services', { token: s.tokenA, body: { name, image: PYTHON_IMAGE, command: 'python3', args: '-c pass', ports: [port], requires_authentication: false, preserve_base_path: true } });
      assert.equal(res.status, 201, await res.clone().text());
      await eventually(`service ${name} to stop`, async () => ((await (await s.api('GET', `/api/projects/a/services/${name}`)).json()) as { status: string }).status === 'stopped');
      const proxied = await s.api('GET', `/api/projects/a/services/${name}/${port}/api/projects`, { token: null });
      const text = await proxied.text();
      assert.doesNotMatch(text, /victim data|"projects"/, `${name}: ${text}`);
      assert.equal(proxied.status, 502, `${name}: ${text}`);
    }
    assert.equal(await s.alive(), true);
    assert.deepEqual(await s.run('b'), { status: 'SUCCESS', log: 'ran-ok\n' }, 'another project still runs');
  });

  it("a service whose container was removed is a 502, even when someone else now listens on its old host port", async () => {
    await s.deploy('a', s.echoService('removed', 8080, { requiresAuthentication: false }));
    const id = execFileSync('docker', ['ps', '-q', '--filter', `label=berth.owner.installation=${s.home}`, '--filter', 'label=berth.owner.service=removed'], { encoding: 'utf8' }).trim();
    const hostPort = Number(/:(\d+)\s*$/m.exec(execFileSync('docker', ['port', id, '8080/tcp'], { encoding: 'utf8' }))?.[1]);
    execFileSync('docker', ['rm', '-f', id], { stdio: 'ignore' });
    // Whoever binds the freed host port next (here: the victim) must not be reached through the service's name.
    const squatter = createServer((_req, res) => res.end('victim data'));
    await new Promise<void>((resolve, reject) => squatter.once('error', reject).listen(hostPort, '127.0.0.1', resolve));
    // Routes are remembered for a second (ROUTE_CACHE_MS, LOOKUP_CACHE_MS): the documented window. After it, never the squatter.
    await new Promise((r) => setTimeout(r, 1200));
    try {
      const res = await s.api('GET', '/api/projects/a/services/removed/8080/', { token: null });
      const text = await res.text();
      assert.doesNotMatch(text, /victim data/);
      assert.equal(res.status, 502, text);
    } finally {
      squatter.close();
      await s.api('DELETE', '/api/projects/a/services/removed');
    }
  });

  it("project A's service cannot reach project B's service through its own name", async () => {
    const path = await s.deploy('b', s.echoService('real', 8080));
    const squat = await s.api('POST', '/api/projects/a/services', { token: s.tokenA, body: { ...s.echoService('squat', 8080), command: 'sleep', args: '60' } });
    assert.equal(squat.status, 201, await squat.clone().text());
    const res = await s.api('GET', '/api/projects/a/services/squat/8080/', { token: s.tokenA });
    const text = await res.text();
    assert.doesNotMatch(text, /"method"/, 'b\'s echo service answered through a\'s service');
    assert.equal(res.status, 502, text);
    assert.equal((await s.api('GET', `${path}/`, { token: s.tokenA })).status, 403, "a's token on b's service");
    for (const [p, n] of [['a', 'squat'], ['b', 'real']]) await s.api('DELETE', `/api/projects/${p}/services/${n}`);
  });
});
