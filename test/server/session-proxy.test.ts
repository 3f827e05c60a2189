import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { collect, REPO } from '../helpers/berth-cli.ts';
import { TestServer } from '../helpers/berth-server.ts';
import { hostRequest } from '../helpers/host-request.ts';

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const srv = createServer().listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

describe("session services through the server's proxy", () => {
  const t = new TestServer();
  let project = '';
  let session = '';
  let webPort = 0;
  let hiddenPort = 0;
  const berth = (...args: string[]) =>
    spawnSync(process.execPath, [join(REPO, 'bin', 'berth.ts'), ...args], { cwd: project, env: { PATH: process.env.PATH!, HOME: process.env.HOME!, BERTH_HOME: t.home, BERTH_STOP_GRACE_SECONDS: '2' }, encoding: 'utf8' });
  before(async () => {
    await t.start();
    [webPort, hiddenPort] = [await freePort(), await freePort()];
    const service = (name: string, port: number, exposed: boolean) => ({
      name, image: 'x', command: 'python3', args: `-m http.server ${port} --bind 127.0.0.1 --directory www`, ports: [port], exposed, scope: ['interactive'],
    });
    const pipeline = { name: 'p', uuid: '11111111-2222-4333-8444-555555555555', version: '1.2.3', parameters: {}, settings: {}, steps: {}, services: { web: service('web', webPort, true), hidden: service('hidden', hiddenPort, false) } };
    project = (await t.project('alpha', { 'p.orchest': JSON.stringify(pipeline), 'www/hello.txt': 'hello through the proxy\n' })).path;
    await t.project('beta');
    const start = berth('session', 'start', 'p.orchest', '--json');
    assert.equal(start.status, 0, start.stderr);
    session = JSON.parse(start.stdout).uuid;
  });
  after(async () => {
    berth('session', 'stop', 'p.orchest');
    await t.close();
    t.cleanup();
  });

  it('an exposed session service is reachable at /api/projects/P/services/<name>-<session uuid>/<port>/ with a project token; others are not', async () => {
    const alpha = (await t.token('alpha')).token;
    const beta = (await t.token('beta')).token;
    const url = `/api/projects/alpha/services/web-${session}/${webPort}/hello.txt`;
    const ok = await t.api('GET', url, { token: alpha });
    assert.equal(ok.status, 200);
    assert.equal(await ok.text(), 'hello through the proxy\n');
    assert.equal((await t.api('GET', url, { token: null })).status, 401);
    assert.equal((await t.api('GET', url, { token: beta })).status, 403);
    assert.equal((await t.api('GET', `/api/projects/alpha/services/hidden-${session}/${hiddenPort}/hello.txt`, { token: alpha })).status, 404);
    assert.equal((await t.api('GET', `/api/projects/alpha/services/web-${session}/${hiddenPort}/hello.txt`, { token: alpha })).status, 404);
    assert.equal((await t.api('GET', `/api/projects/beta/services/web-${session}/${webPort}/hello.txt`, { token: beta })).status, 404);
  });

  it('the session API: status, a service log, stop and start again with a project token', async () => {
    const alpha = (await t.token('alpha', 'api')).token;
    const base = '/api/projects/alpha/pipelines/p.orchest/session';
    const status = (await (await t.api('GET', base, { token: alpha })).json()) as any;
    assert.deepEqual([status.uuid, status.status, status.services.map((s: any) => s.state)], [session, 'RUNNING', ['running', 'running']]);
    const log = await (await t.api('GET', `${base}/services/web/logs`, { token: alpha })).text();
    assert.match(log, /GET \/hello\.txt/);
    // A browser's service session (ticket hand-off) on the session service's own origin…
    const host = `web-${session}--alpha--${webPort}.localhost:${new URL(t.url).port}`;
    const openIt = async () => {
      const ticket = new URL(String((await t.api('GET', `/api/projects/alpha/services/web-${session}/open?port=${webPort}`, { token: alpha })).headers.get('location'))).searchParams.get('ticket');
      return String((await hostRequest(`${t.url}/.berth/open?ticket=${ticket}`, host)).headers['set-cookie']).split(';')[0]!;
    };
    const cookie = await openIt();
    assert.equal((await hostRequest(`${t.url}/hello.txt`, host, { cookie })).body, 'hello through the proxy\n');
    const stopped = await t.api('DELETE', base, { token: alpha });
    assert.equal(stopped.status, 200);
    assert.equal(((await stopped.json()) as any).status, 'STOPPED');
    const started = await t.api('POST', base, { token: alpha });
    assert.equal(started.status, 201, await started.clone().text());
    assert.equal(((await started.json()) as any).status, 'RUNNING');
    // …ends with that start of the session: the restarted one needs a new hand-off.
    let answer = 200;
    for (let i = 0; i < 50 && answer === 200; i++) {
      answer = (await hostRequest(`${t.url}/hello.txt`, host, { cookie })).status;
      if (answer === 200) await new Promise((r) => setTimeout(r, 100));
    }
    assert.equal(answer, 401, "the old session's cookie is refused");
    assert.equal((await hostRequest(`${t.url}/hello.txt`, host, { cookie: await openIt() })).status, 200);
    const missing = await t.api('GET', '/api/projects/alpha/pipelines/nope.orchest/session', { token: alpha });
    assert.equal(missing.status, 404);
    // The CLI with BERTH_ENDPOINT asks the server (its own BERTH_HOME knows no session).
    // (Spawned asynchronously: this process is the server.)
    const remote = await collect(spawn(process.execPath, [join(REPO, 'bin', 'berth.ts'), 'session', 'status', 'p.orchest', '--json'], {
      cwd: project,
      env: { PATH: process.env.PATH!, HOME: process.env.HOME!, BERTH_HOME: join(t.root, 'elsewhere'), BERTH_ENDPOINT: t.url, BERTH_TOKEN: alpha },
    }));
    assert.equal(remote.code, 0, remote.stderr);
    assert.equal(JSON.parse(remote.stdout).status, 'RUNNING');
  });
});
