import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import WebSocket from 'ws';
import { REPO } from '../helpers/berth-cli.ts';
import { TestServer } from '../helpers/berth-server.ts';
import { hostRequest } from '../helpers/host-request.ts';

type Json = Record<string, any>;
const ECHO = join(REPO, 'test', 'fixtures', 'services', 'echo-service.mjs');
const PORT = 14000 + (process.pid % 1000);

const get = (url: string, host: string, headers: Record<string, string> = {}) => hostRequest(url, host, headers);

describe('host-based routing (--services-domain): each service on its own origin', () => {
  const t = new TestServer();
  let token = '';
  const host = 'echo--web.svc.test';
  before(async () => {
    await t.start({ servicesDomain: 'svc.test' });
    await t.project('web');
    await t.project('other');
    token = (await t.token('web')).token;
    assert.equal((await t.api('POST', '/api/projects/web/services', { body: { name: 'echo', command: process.execPath, args: `${ECHO} ${PORT}`, ports: [PORT] } })).status, 201);
    for (let i = 0; i < 200; i++) {
      if ((await get(`${t.url}/`, host, { authorization: `Bearer ${token}` })).status === 200) break;
      await new Promise((r) => setTimeout(r, 50));
    }
  });
  after(async () => {
    await t.api('DELETE', '/api/projects/web/services/echo');
    await t.close();
    t.cleanup();
  });

  it('forwards the whole path (the API is not reachable from a service host) without Berth credentials', async () => {
    const res = await get(`${t.url}/api/projects?x=1`, host, { authorization: `Bearer ${token}` });
    assert.equal(res.status, 200);
    const seen = JSON.parse(res.body) as Json;
    assert.equal(seen.url, '/api/projects?x=1');
    assert.equal(seen.headers.authorization, undefined);
    assert.equal(seen.headers['x-forwarded-host'], host);
    const explicitPort = await get(`${t.url}/p`, `echo--web--${PORT}.svc.test`, { authorization: `Bearer ${token}` });
    assert.equal(JSON.parse(explicitPort.body).url, '/p');
  });

  it('exchanges ?berth_token= for a host-only service session cookie on that origin and checks tokens like the path routes', async () => {
    const res = await get(`${t.url}/page?berth_token=${token}`, host);
    assert.equal(res.status, 302);
    assert.equal(res.headers.location, '/page');
    assert.match(res.headers['set-cookie']?.toString() ?? '', /^berth_service_session=bs_[\w-]{43}; Path=\/; HttpOnly; SameSite=Lax; Max-Age=43200$/);
    assert.equal(res.headers['set-cookie']?.toString().includes(token), false);
    assert.equal((await get(`${t.url}/`, host)).status, 401);
    const other = (await t.token('other')).token;
    assert.equal((await get(`${t.url}/`, host, { authorization: `Bearer ${other}` })).status, 403);
    assert.equal((await get(`${t.url}/`, 'nope--web.svc.test', { authorization: `Bearer ${token}` })).status, 404);
    assert.equal((await get(`${t.url}/`, `echo--web--${PORT + 1}.svc.test`, { authorization: `Bearer ${token}` })).status, 404);
    assert.equal((await get(`${t.url}/api/health`, '127.0.0.1')).status, 200, 'other hosts still reach the API');
  });

  it('proxies websockets by host', async () => {
    const ws = new WebSocket(`${t.url.replace('http', 'ws')}/sock`, { headers: { host, authorization: `Bearer ${token}` } });
    const first = await new Promise<Json>((resolve, reject) => {
      ws.once('message', (m) => resolve(JSON.parse(String(m)) as Json));
      ws.once('error', reject);
    });
    ws.close();
    assert.equal(first.url, '/sock');
  });
});
