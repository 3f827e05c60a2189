import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { REPO } from '../helpers/berth-cli.ts';
import { TestServer } from '../helpers/berth-server.ts';

type Json = Record<string, any>;
const ECHO = join(REPO, 'test', 'fixtures', 'services', 'echo-service.mjs');
const PORT = 17000 + (process.pid % 1000);

describe('graceful shutdown leaves services running; the next start adopts them', () => {
  const t = new TestServer();
  after(async () => {
    await t.api('DELETE', '/api/projects/keep/services/echo').catch(() => undefined);
    await t.close();
    t.cleanup();
  });

  it('the same service process answers through the proxy after a restart', async () => {
    await t.start();
    await t.project('keep');
    assert.equal((await t.api('POST', '/api/projects/keep/services', { body: { name: 'echo', command: process.execPath, args: `${ECHO} ${PORT}`, ports: [PORT] } })).status, 201);
    const path = `/api/projects/keep/services/echo/${PORT}/`;
    let first: Json | null = null;
    for (let i = 0; i < 200 && !first; i++) {
      const res = await t.api('GET', path);
      if (res.status === 200) first = (await res.json()) as Json;
      else await new Promise((r) => setTimeout(r, 50));
    }
    assert.ok(first);
    const before = (await (await t.api('GET', '/api/projects/keep/services/echo')).json()) as Json;
    const inFlight = t.api('GET', `${path}slow?ms=400`);
    await new Promise((r) => setTimeout(r, 100));
    await t.close();
    const late = await inFlight;
    assert.equal(late.status, 200, 'a request in flight when shutdown began still gets its answer');
    assert.equal(await late.text(), 'late');
    await assert.rejects(fetch(`${t.url}/api/health`), 'no new connections after shutdown');
    const direct = await fetch(`http://127.0.0.1:${PORT}/direct`);
    assert.equal(direct.status, 200, 'the service kept running while no server was up');
    await t.start();
    assert.ok(t.logs.some((l) => /service adopted/.test(l)));
    const after = (await (await t.api('GET', '/api/projects/keep/services/echo')).json()) as Json;
    assert.equal(after.status, 'running');
    assert.equal(after.created_at, before.created_at);
    assert.equal((await t.api('GET', path)).status, 200);
  });
});
