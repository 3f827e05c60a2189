import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import WebSocket from 'ws';
import { REPO } from '../helpers/berth-cli.ts';
import { ADMIN, TestServer } from '../helpers/berth-server.ts';

type Json = Record<string, any>;
const ECHO = join(REPO, 'test', 'fixtures', 'services', 'echo-service.mjs');
const BASE = 19000 + (process.pid % 1000) * 3;

async function waitUp(t: TestServer, path: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if ((await t.api('GET', path)).status === 200) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`${path} never answered 200`);
}

/** A request through node:http (headers fetch() will not send); with `body` and Expect: 100-continue, the body follows the 100. */
function send(url: string, method: string, headers: Record<string, string>, body?: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method, headers }, (res) => {
      let text = '';
      res.on('data', (d) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode!, text }));
    });
    req.on('error', reject);
    if (body !== undefined && headers.expect) req.on('continue', () => req.end(body));
    else req.end(body);
  });
}

describe('project services and the authenticated proxy', () => {
  const t = new TestServer();
  let token = '';
  let otherToken = '';
  let serviceCookie = '';
  const port = BASE;
  const keepPort = BASE + 1;
  const prefix = `/api/projects/lab/services/echo/${port}`;
  before(async () => {
    await t.start({ proxyTimeoutMs: 1000 });
    await t.project('lab');
    await t.project('other');
    token = (await t.token('lab')).token;
    otherToken = (await t.token('other')).token;
    const res = await t.api('POST', '/api/projects/lab/services', {
      token,
      body: { name: 'echo', command: process.execPath, args: `${ECHO} ${port}`, ports: [port], env_variables: { GREETING: 'at $BASE_PATH_PREFIX' } },
    });
    assert.equal(res.status, 201, await res.clone().text());
    await waitUp(t, `${prefix}/`);
  });
  after(async () => {
    await t.api('DELETE', '/api/projects/lab/services/echo');
    await t.api('DELETE', '/api/projects/lab/services/keep');
    await t.close();
    t.cleanup();
  });

  it('reaches the service with a Bearer header and forwards no Berth credential', async () => {
    const res = await t.api('GET', `${prefix}/hello?x=1`, { token, headers: { cookie: `theme=dark; berth_token=${token}`, 'x-forwarded-for': '6.6.6.6' } });
    assert.equal(res.status, 200);
    const seen = (await res.json()) as Json;
    assert.equal(seen.url, '/hello?x=1', 'the prefix is stripped by default');
    assert.equal(seen.headers.authorization, undefined);
    assert.equal(seen.headers.cookie, 'theme=dark');
    assert.equal(seen.headers['x-forwarded-for'], '127.0.0.1', 'X-Forwarded-For is set, not appended');
    assert.equal(seen.headers['x-forwarded-prefix'], prefix);
    assert.equal(seen.headers['x-forwarded-proto'], 'http');
    assert.equal(JSON.stringify(seen).includes(token), false);
  });

  it('exchanges ?berth_token= for a service session cookie (never the token) scoped to the service and redirects to the clean URL', async () => {
    const res = await t.api('GET', `${prefix}/page?a=1&berth_token=${token}&b=2`, { token: null });
    assert.equal(res.status, 302);
    assert.equal(res.headers.get('location'), `${prefix}/page?a=1&b=2`);
    const cookie = res.headers.get('set-cookie') ?? '';
    assert.match(cookie, new RegExp(`^berth_service_session=bs_[\\w-]{43}; Path=${prefix}/; HttpOnly; SameSite=Lax; Max-Age=43200$`));
    assert.equal(cookie.includes(token), false);
    serviceCookie = cookie.split(';')[0]!;
    const follow = await t.api('GET', `${prefix}/page?a=1&b=2`, { token: null, headers: { cookie: cookie.split(';')[0]! } });
    assert.equal(follow.status, 200);
    const seen = (await follow.json()) as Json;
    assert.equal(seen.url, '/page?a=1&b=2');
    assert.equal(seen.headers.cookie, undefined);
    const post = await t.api('POST', `${prefix}/form?berth_token=${token}`, { token: null, body: { a: 1 } });
    const posted = (await post.json()) as Json;
    assert.deepEqual([posted.method, posted.url, posted.body], ['POST', '/form', '{"a":1}']);
  });

  it('401 without a token, 403 with another project\'s token, 404 for an unknown service or undeclared port', async () => {
    assert.equal((await t.api('GET', `${prefix}/`, { token: null })).status, 401);
    assert.equal((await t.api('GET', `${prefix}/`, { token: 'nope' })).status, 401);
    assert.equal((await t.api('GET', `${prefix}/`, { token: otherToken })).status, 403);
    assert.equal((await t.api('GET', `${prefix}/`, { token: null, headers: { cookie: `berth_token=${token}` } })).status, 401, "the web UI's cookie is no credential for the proxy");
    assert.equal((await t.api('GET', `/api/projects/lab/services/echo/${port + 2}/`, { token })).status, 404);
    assert.equal((await t.api('GET', '/api/projects/lab/services/nope/80/', { token })).status, 404);
    assert.equal((await t.api('GET', '/api/projects/lab/services/nope/80/', { token: null })).status, 401, 'no token: 401 before telling what exists');
    const bare = await t.api('GET', prefix, { token });
    assert.equal(bare.status, 302);
    assert.equal(bare.headers.get('location'), `${prefix}/`);
  });

  it('refuses a token on the very next request after it is revoked (its authorisation was cached by the requests before)', async () => {
    const fresh = await t.token('lab', 'revoked-soon');
    for (let i = 0; i < 3; i++) assert.equal((await t.api('GET', `${prefix}/before`, { token: fresh.token })).status, 200);
    assert.equal((await t.api('DELETE', `/api/tokens/${fresh.info.id}`)).status, 200);
    const next = await t.api('GET', `${prefix}/after`, { token: fresh.token });
    assert.equal(next.status, 401);
    assert.equal(((await next.json()) as Json).error.code, 'BERTH_E_UNAUTHORIZED');
  });

  it('sets what Berth adds even when the client names those headers in Connection, and drops hop-by-hop headers', async () => {
    // fetch() never sends a Connection header of its own: node:http does.
    const res = await send(`${t.url}${prefix}/hop`, 'GET', { authorization: `Bearer ${token}`, connection: 'keep-alive, x-forwarded-for, x-forwarded-prefix, x-berth-hops, x-drop-me', 'x-drop-me': '1', 'x-kept': '1' });
    assert.equal(res.status, 200, res.text);
    const seen = JSON.parse(res.text) as Json;
    assert.equal(seen.headers['x-forwarded-for'], '127.0.0.1');
    assert.equal(seen.headers['x-forwarded-prefix'], prefix);
    assert.equal(seen.headers['x-berth-hops'], '1');
    assert.equal(seen.headers['x-drop-me'], undefined, 'a header the client named in Connection is hop-by-hop');
    assert.equal(seen.headers['x-kept'], '1');
  });

  it('streams request bodies to the service, also with Expect: 100-continue', async () => {
    const body = 'x'.repeat(200_000);
    const plain = await t.api('POST', `${prefix}/upload`, { token, body });
    assert.equal(plain.status, 200);
    assert.equal(((await plain.json()) as Json).body.length, JSON.stringify(body).length);
    const answer = await send(`${t.url}${prefix}/upload`, 'PUT', { authorization: `Bearer ${token}`, expect: '100-continue', 'content-type': 'text/plain', 'content-length': '5' }, 'hello');
    assert.equal(answer.status, 200, answer.text);
    const seen = JSON.parse(answer.text) as Json;
    assert.equal(seen.method, 'PUT');
    assert.equal(seen.body, 'hello');
    assert.equal(seen.headers.expect, undefined, 'Berth answered the 100-continue itself');
  });

  it('gives the service its Berth and ML Lab variables, $BASE_PATH_PREFIX substituted, and a token revoked with it', async () => {
    const seen = (await (await t.api('GET', `${prefix}/`, { token })).json()) as Json;
    assert.equal(seen.env.BERTH_ENDPOINT, t.url);
    assert.equal(seen.env.BERTH_PROJECT, 'lab');
    assert.equal(seen.env.BERTH_SERVICE_PATH, `${prefix}/`);
    assert.deepEqual([seen.env.LAB_ENDPOINT, seen.env.LAB_PROJECT, seen.env.LAB_SERVICE_PATH], [t.url, 'lab', `${prefix}/`]);
    assert.equal(seen.env.GREETING, `at ${prefix.slice(1)}`);
    assert.equal(seen.hasApiToken, true);
    assert.deepEqual(seen.berthNames, ['BERTH_API_TOKEN', 'BERTH_ENDPOINT', 'BERTH_PROJECT', 'BERTH_SERVICE_PATH', 'LAB_API_TOKEN', 'LAB_ENDPOINT', 'LAB_PROJECT', 'LAB_SERVICE_PATH'], "the server's own BERTH_* variables (BERTH_ADMIN_TOKEN, BERTH_HOME) are not passed on");
    assert.equal(seen.sameLabToken, true);
    const tokens = (await (await t.api('GET', '/api/tokens')).json()) as Json;
    const own = tokens.tokens.filter((x: Json) => x.service === 'echo');
    assert.equal(own.length, 1);
    assert.equal(own[0].scope, 'project');
  });

  it('lists, shows and returns logs of services; deploy errors are 400 with the field, duplicates 409', async () => {
    const list = (await (await t.api('GET', '/api/projects/lab/services', { token })).json()) as Json;
    assert.deepEqual(list.services.map((s: Json) => [s.name, s.status, s.urls[String(port)]]), [['echo', 'running', `${prefix}/`]]);
    const logs = await (await t.api('GET', '/api/projects/lab/services/echo/logs', { token })).text();
    assert.match(logs, new RegExp(`echo service on ${port}`));
    const dup = await t.api('POST', '/api/projects/lab/services', { token, body: { name: 'echo', command: 'true', ports: [1] } });
    assert.equal(dup.status, 409);
    const bad = await t.api('POST', '/api/projects/lab/services', { token, body: { name: 'Bad Name', command: 'true', ports: [70000] } });
    assert.equal(bad.status, 400);
    const paths = ((await bad.json()) as Json).error.problems.map((p: Json) => p.path);
    assert.ok(paths.includes('body.name') && paths.includes('body.ports[0]'), paths.join(','));
    const bare = await t.api('POST', '/api/projects/lab/services?image=redis', { token });
    assert.equal(((await bare.json()) as Json).error.code, 'BERTH_E_RUNTIME_UNSUPPORTED', 'ML Lab form without a body is accepted as far as the runtime');
    const mlLab = await t.api('POST', '/api/projects/lab/services?image=registry.example.org/team/model-api:1.2', { token, body: { K: 'v' } });
    assert.equal(mlLab.status, 400, 'the process runtime cannot run images');
    assert.equal(((await mlLab.json()) as Json).error.code, 'BERTH_E_RUNTIME_UNSUPPORTED');
    assert.equal((await t.api('GET', '/api/projects/lab/services', { token })).status, 200);
    assert.equal(((await (await t.api('GET', '/api/projects/lab/services', { token })).json()) as Json).services.length, 1, 'a failed deploy leaves nothing behind');
  });

  it('proxies websockets with each token form and rejects them without one', async () => {
    const open = (url: string, headers: Record<string, string> = {}) =>
      new Promise<{ first: Json; echo: string }>((resolve, reject) => {
        const ws = new WebSocket(url, { headers });
        let first: Json | null = null;
        ws.on('message', (m) => {
          if (!first) {
            first = JSON.parse(String(m)) as Json;
            ws.send('ping');
          } else {
            resolve({ first, echo: String(m) });
            ws.close();
          }
        });
        ws.on('unexpected-response', (_req, res) => reject(new Error(`status ${res.statusCode}`)));
        ws.on('error', reject);
      });
    const wsBase = `${t.url.replace('http', 'ws')}${prefix}/socket`;
    const viaHeader = await open(wsBase, { authorization: `Bearer ${token}` });
    assert.equal(viaHeader.echo, 'echo:ping');
    assert.equal(viaHeader.first.url, '/socket');
    assert.equal(viaHeader.first.headers.authorization, undefined);
    const viaQuery = await open(`${wsBase}?berth_token=${token}`);
    assert.equal(viaQuery.first.url, '/socket');
    const viaCookie = await open(wsBase, { cookie: serviceCookie });
    assert.equal(viaCookie.first.headers.cookie, undefined);
    await assert.rejects(open(wsBase, { cookie: `berth_token=${token}` }), /status 401/);
    await assert.rejects(open(wsBase), /status 401/);
    await assert.rejects(open(wsBase, { authorization: `Bearer ${otherToken}` }), /status 403/);
    await assert.rejects(open(wsBase, { cookie: serviceCookie, origin: 'http://evil.example' }), /status 403/);
  });

  it('keeps the prefix with preserve_base_path, serves public services without a token, rewrites Location when stripping', async () => {
    const res = await t.api('POST', '/api/projects/lab/services', {
      token,
      body: { name: 'keep', command: process.execPath, args: `${ECHO} ${keepPort}`, ports: [keepPort], preserve_base_path: true, requires_authentication: false },
    });
    assert.equal(res.status, 201);
    const keepPrefix = `/api/projects/lab/services/keep/${keepPort}`;
    await waitUp(t, `${keepPrefix}/`);
    const seen = (await (await t.api('GET', `${keepPrefix}/x?y=1`, { token: null })).json()) as Json;
    assert.equal(seen.url, `${keepPrefix}/x?y=1`);
    const redirect = await t.api('GET', `${prefix}/go-home`, { token });
    assert.equal(redirect.status, 302);
    assert.equal(redirect.headers.get('location'), `${prefix}/home`);
  });

  it('answers 502 with a readable page when the service is down and 504 when it is too slow', async () => {
    const slow = await t.api('GET', `${prefix}/slow`, { token });
    assert.equal(slow.status, 504);
    assert.match(await slow.text(), /<h1>504/);
    const res = await t.api('DELETE', '/api/projects/lab/services/keep', { token });
    assert.equal(res.status, 204);
    const dead = await t.api('POST', '/api/projects/lab/services', { token, body: { name: 'dead', command: 'sleep', args: '30', ports: [BASE + 2] } });
    assert.equal(dead.status, 201);
    const down = await t.api('GET', `/api/projects/lab/services/dead/${BASE + 2}/`, { token });
    assert.equal(down.status, 502);
    assert.match(down.headers.get('content-type') ?? '', /text\/html/);
    const before = (await (await t.api('GET', '/api/tokens')).json()) as Json;
    const deadToken = before.tokens.find((x: Json) => x.service === 'dead');
    assert.ok(deadToken);
    assert.equal((await t.api('DELETE', '/api/projects/lab/services/dead', { token: ADMIN })).status, 204);
    const afterList = (await (await t.api('GET', '/api/tokens')).json()) as Json;
    assert.equal(afterList.tokens.some((x: Json) => x.id === deadToken.id), false, "the service's token is revoked with it");
    assert.equal((await t.api('GET', '/api/projects/lab/services/dead', { token })).status, 404);
  });
});
