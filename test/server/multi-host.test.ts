import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { WebSocket } from 'ws';
import { signForward } from '../../src/auth/forward-signature.ts';
import { InstallKey } from '../../src/events/install-key.ts';
import { PATH_ROUTE_CSP } from '../../src/proxy/proxy-request.ts';
import { pipeline, REPO, Sandbox, writePipeline } from '../helpers/berth-cli.ts';
import { startServerProcess } from '../helpers/berth-server-process.ts';
import { freshStore, type TestStore } from '../helpers/store-backends.ts';
import { eventually } from '../helpers/eventually.ts';

/**
 * Two `berth server` processes on one PostgreSQL database that count as two machines
 * (BERTH_HOST_ID=host-a / host-b, as for containers sharing a host name): a service supervised by A
 * — its port reachable on A's machine only, as far as the servers know — answers through B over HTTP
 * and websockets, its log and state too, because B forwards to A (signed, without the caller's
 * credential) and A's proxy serves it as its own. A forged, tampered, misaddressed or replayed
 * forward is refused; with A killed, B answers 503 naming host-a at once, never hangs.
 */
const ADMIN = 'multi-host-admin-token-0123456789abc';
const LEASE_SECONDS = 6;
type Server = Awaited<ReturnType<typeof startServerProcess>>;
type Json = any;

/** A websocket's first message (the echo service's view of the handshake) and the echo of "ping"; or the refusal's status and body. */
function openSocket(url: string, headers: Record<string, string>): Promise<{ first: Json; echo: string } | { status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers });
    let first: Json = null;
    ws.on('message', (m) => {
      if (first === null) {
        first = JSON.parse(String(m));
        ws.send('ping');
      } else {
        resolve({ first, echo: String(m) });
        ws.close();
      }
    });
    ws.on('unexpected-response', (_req, res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    ws.on('error', reject);
  });
}

/** A GET with a Host header of our choosing (fetch may not set Host): for service hosts. */
function getWithHost(url: string, host: string, headers: Record<string, string>): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { headers: { ...headers, host } }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('two servers on two hosts (by BERTH_HOST_ID) on one PostgreSQL database', () => {
  const box = new Sandbox();
  let store: TestStore;
  let env: Record<string, string>;
  let a: Server;
  let b: Server;
  let db: pg.Client;
  const port = 23000 + (process.pid % 1000) * 2;
  const prefix = `/api/projects/demo/services/echo/${port}`;
  const echo = join(REPO, 'test', 'fixtures', 'services', 'echo-service.mjs');

  const api = (s: Server, method: string, path: string, o: { token?: string | null; headers?: Record<string, string>; body?: unknown } = {}) =>
    fetch(`${s.url}${path}`, {
      method,
      redirect: 'manual',
      headers: { ...(o.token === null ? {} : { authorization: `Bearer ${o.token ?? ADMIN}` }), ...(o.body !== undefined ? { 'content-type': 'application/json' } : {}), ...o.headers },
      body: o.body !== undefined ? JSON.stringify(o.body) : undefined,
    });
  const json = async (s: Server, method: string, path: string, body?: unknown) => {
    const res = await api(s, method, path, { body });
    const text = await res.text();
    assert.ok(res.status < 300, `${method} ${path}: ${res.status} ${text}`);
    return text ? JSON.parse(text) : null;
  };
  const leaseOf = async (host: string) => (await db.query(`select id from server_leases where host = $1 and stopped_at is null order by heartbeat_at desc limit 1`, [host])).rows[0]?.id as string;

  before(async () => {
    store = await freshStore('postgres');
    env = {
      BERTH_HOME: box.home,
      BERTH_DATABASE_URL: store.env.BERTH_DATABASE_URL!,
      BERTH_ADMIN_TOKEN: ADMIN,
      BERTH_LEASE_SECONDS: String(LEASE_SECONDS),
      BERTH_STOP_GRACE_SECONDS: '1',
    };
    box.file('steps/talk.sh', 'echo "first line"\nsleep 1\necho "second line"\n');
    writePipeline(box, 'talk.orchest', pipeline('talk', [{ title: 'Talk', file: 'steps/talk.sh' }]));
    const web = { name: 'web', image: 'x', command: process.execPath, args: `${echo} ${port + 1}`, ports: [port + 1], exposed: true, scope: ['interactive'] };
    writePipeline(box, 'sess.orchest', pipeline('sess', [], { uuid: '22222222-2222-4333-8444-555555555555', services: { web } }));
    [a, b] = await Promise.all([startServerProcess({ ...env, BERTH_HOST_ID: 'host-a' }), startServerProcess({ ...env, BERTH_HOST_ID: 'host-b' })]);
    db = new pg.Client({ connectionString: store.env.BERTH_DATABASE_URL });
    await db.connect();
    await json(a, 'POST', '/api/projects', { name: 'demo', path: box.project });
    const created = await api(a, 'POST', '/api/projects/demo/services', { body: { name: 'echo', command: process.execPath, args: `${echo} ${port}`, ports: [port] } });
    const text = await created.text();
    assert.equal(created.status, 201, text);
    assert.equal(JSON.parse(text).host, 'host-a');
  });
  after(async () => {
    // The service outlives a killed server: a server on its host removes it.
    const owner = a.child.exitCode === null && a.child.signalCode === null ? a : await startServerProcess({ ...env, BERTH_HOST_ID: 'host-a' });
    await api(owner, 'DELETE', '/api/projects/demo/services/echo').catch(() => undefined);
    for (const s of [a, b, owner]) await s?.stop().catch(() => undefined);
    await db?.end();
    await store?.drop();
    box.cleanup();
  });

  it('HTTP through B reaches the service A supervises, through A (two proxy hops), without any Berth credential', async () => {
    const res = await api(b, 'POST', `${prefix}/hello?x=1`, { headers: { cookie: `theme=dark; berth_token=${ADMIN}`, 'x-forwarded-for': '6.6.6.6' }, body: { n: 1 } });
    const text = await res.text();
    assert.equal(res.status, 200, text);
    const seen = JSON.parse(text);
    assert.equal(seen.method, 'POST');
    assert.equal(seen.url, '/hello?x=1');
    assert.equal(seen.body, '{"n":1}');
    assert.equal(seen.headers['x-berth-hops'], '2', 'B forwarded to A, whose proxy forwarded to the service');
    assert.equal(seen.headers.authorization, undefined, 'the caller token never reaches A or the service');
    assert.equal(seen.headers.cookie, 'theme=dark');
    assert.equal(seen.headers['x-berth-forward'], undefined, 'the forward is for A only');
    assert.equal(seen.headers['x-forwarded-for'], '127.0.0.1', "the client as B saw it, not the client's claim");
    assert.equal(seen.headers['x-forwarded-prefix'], prefix);
    assert.equal(res.headers.get('content-security-policy'), PATH_ROUTE_CSP, "A's response rules, applied once");
    // Directly on A: one hop.
    assert.equal((await (await api(a, 'GET', `${prefix}/hello`)).json()).headers['x-berth-hops'], '1');
  });

  it('B decides who may pass before forwarding: no token 401, a token of another project 403, a service session from ?berth_token= works', async () => {
    assert.equal((await api(b, 'GET', `${prefix}/x`, { token: null })).status, 401);
    mkdirSync(join(box.root, 'other', '.orchest'), { recursive: true });
    await json(a, 'POST', '/api/projects', { name: 'other', path: join(box.root, 'other') });
    const { token: otherToken } = await json(b, 'POST', '/api/tokens', { name: 'other', project: 'other' });
    const forbidden = await api(b, 'GET', `${prefix}/x`, { token: otherToken });
    assert.equal(forbidden.status, 403);
    assert.equal((await forbidden.json()).error.code, 'BERTH_E_FORBIDDEN');

    const exchange = await api(b, 'GET', `${prefix}/page?berth_token=${ADMIN}`, { token: null });
    assert.equal(exchange.status, 302);
    const cookie = (exchange.headers.get('set-cookie') ?? '').split(';')[0]!;
    assert.match(cookie, /^berth_service_session=/);
    const viaCookie = await api(b, 'GET', `${prefix}/page`, { token: null, headers: { cookie: `${cookie}; keep=1` } });
    const seen = await viaCookie.json();
    assert.equal(viaCookie.status, 200);
    assert.equal(seen.headers.cookie, 'keep=1', 'the service session cookie stays with B');
    assert.equal(seen.headers['x-berth-hops'], '2');
    // A token in the query of a POST (the proxy's slow route): checked by B, dropped from what A and the service get.
    const posted = await api(b, 'POST', `${prefix}/form?a=1&berth_token=${ADMIN}`, { token: null, body: { f: 1 } });
    const form = await posted.json();
    assert.equal(posted.status, 200);
    assert.equal(form.url, '/form?a=1');
    assert.equal(form.body, '{"f":1}');
    assert.equal(form.headers['x-berth-hops'], '2');
  });

  it('a service host (<name>--<project>--<port>.localhost) through B reaches it too', async () => {
    const res = await getWithHost(`${b.url}/deep/path?q=2`, `echo--demo--${port}.localhost:${new URL(b.url).port}`, { authorization: `Bearer ${ADMIN}` });
    assert.equal(res.status, 200, res.body);
    const seen = JSON.parse(res.body);
    assert.equal(seen.url, '/deep/path?q=2');
    assert.equal(seen.headers['x-berth-hops'], '2');
  });

  it('a websocket through B is opened by A to the service; its messages flow both ways', async () => {
    const opened = await openSocket(`${b.url.replace('http', 'ws')}${prefix}/socket?k=v`, { authorization: `Bearer ${ADMIN}` });
    assert.ok('echo' in opened, JSON.stringify(opened));
    assert.equal(opened.echo, 'echo:ping');
    assert.equal(opened.first.url, '/socket?k=v');
    assert.equal(opened.first.headers.authorization, undefined);
    assert.equal(opened.first.headers['x-berth-forward'], undefined);
    assert.equal(opened.first.headers['x-berth-hops'], '2');
    const refused = await openSocket(`${b.url.replace('http', 'ws')}${prefix}/socket`, {});
    assert.ok('status' in refused && refused.status === 401, JSON.stringify(refused));
  });

  it("the service's state, list and log through B are A's (its workload and log are on host-a)", async () => {
    const shown = await json(b, 'GET', '/api/projects/demo/services/echo');
    assert.equal(shown.status, 'running');
    assert.equal(shown.host, 'host-a');
    const listed = await json(b, 'GET', '/api/projects/demo/services');
    assert.deepEqual(listed.services.map((s: Json) => [s.name, s.status, s.host]), [['echo', 'running', 'host-a']]);
    const log = await api(b, 'GET', '/api/projects/demo/services/echo/logs');
    assert.equal(log.status, 200);
    assert.match(await log.text(), new RegExp(`echo service on ${port}`));
    // Followed (SSE) through B: the stream A serves, until the client leaves.
    const controller = new AbortController();
    const follow = await api(b, 'GET', '/api/projects/demo/services/echo/logs?follow=1', { headers: { accept: 'text/event-stream' } });
    assert.equal(follow.status, 200);
    assert.match(follow.headers.get('content-type') ?? '', /text\/event-stream/);
    const reader = follow.body!.getReader();
    let text = '';
    while (!text.includes(`echo service on ${port}`)) text += new TextDecoder().decode((await reader.read()).value);
    await reader.cancel();
    controller.abort();
  });

  it("a run's step log, followed through B while A runs it (step logs live in the shared BERTH_HOME)", async () => {
    const { run } = await json(a, 'POST', '/api/projects/demo/runs', { pipeline: 'talk.orchest' });
    const step = await eventually('the step started', async () => {
      const r = await json(b, 'GET', `/api/runs/${run.uuid}`);
      return r.steps[0].status !== 'PENDING' && r.steps[0];
    });
    const res = await api(b, 'GET', `/api/runs/${run.uuid}/steps/${step.uuid}/logs?follow=1`, { headers: { accept: 'text/event-stream' } });
    assert.equal(res.status, 200);
    const text = await res.text(); // the stream ends with the step
    assert.ok(text.indexOf('first line') >= 0 && text.indexOf('second line') > text.indexOf('first line'), text);
    assert.match(text, /event: end\ndata: \{"status":"SUCCESS"/);
    // The run ends just after its last step.
    await eventually('the run SUCCESS as seen from B', async () => (await json(b, 'GET', `/api/runs/${run.uuid}`)).run.status === 'SUCCESS', 10_000);
  });

  it("a session started through A: its exposed service, state, service log and stop through B are A's", async () => {
    const base = '/api/projects/demo/pipelines/sess.orchest/session';
    const started = await api(a, 'POST', base);
    const view = JSON.parse(await started.text());
    assert.equal(started.status, 201, JSON.stringify(view));
    const res = await api(b, 'GET', `/api/projects/demo/services/web-${view.uuid}/${port + 1}/hi`);
    assert.equal(res.status, 200);
    const seen = await res.json();
    assert.equal(seen.url, '/hi');
    assert.equal(seen.headers['x-berth-hops'], '2');
    const status = await json(b, 'GET', base);
    assert.deepEqual([status.status, status.services.map((s: Json) => s.state)], ['RUNNING', ['running']]);
    assert.match(await (await api(b, 'GET', `${base}/services/web/logs`)).text(), new RegExp(`echo service on ${port + 1}`));
    const stopped = await json(b, 'DELETE', base);
    assert.equal(stopped.status, 'STOPPED');
    await eventually('the session service stopped on host-a', async () => {
      try {
        await fetch(`http://127.0.0.1:${port + 1}/`);
        return false;
      } catch {
        return true;
      }
    }, 10_000);
  });

  it('forged, tampered, misaddressed, stale and replayed forwards are refused (401); a genuine one is served once', async () => {
    const path = `${prefix}/forged`;
    const host = new URL(a.url).host;
    const code = async (res: Response) => [res.status, (await res.json()).error?.code];
    assert.deepEqual(await code(await api(a, 'GET', path, { token: null, headers: { 'x-berth-forward': 'v1.e30.AAAA' } })), [401, 'BERTH_E_FORWARD_REFUSED']);
    // A client may not smuggle a forward through B either: B checks it too.
    assert.deepEqual(await code(await api(b, 'GET', path, { token: null, headers: { 'x-berth-forward': 'v1.e30.AAAA' } })), [401, 'BERTH_E_FORWARD_REFUSED']);

    // What a server of this store could sign (the key every server derives from keys/install.key).
    const key = new InstallKey(join(box.home, 'keys', 'install.key')).derive('server forward v1');
    const adminId = (await db.query(`select id from tokens where scope = 'admin' and revoked_at is null limit 1`)).rows[0].id as string;
    const toA = await leaseOf('host-a');
    const forward = (o: { to?: string; url?: string; at?: number; tokenId?: string | null; signKey?: Buffer } = {}) =>
      signForward(o.signKey ?? key, { to: o.to ?? toA, from: 'test', method: 'GET', url: o.url ?? path, host, tokenId: o.tokenId === undefined ? adminId : o.tokenId, ip: '10.9.8.7', proto: 'http', at: o.at });
    const send = (header: string) => api(a, 'GET', path, { token: null, headers: { 'x-berth-forward': header } });

    const genuine = forward();
    const served = await send(genuine);
    assert.equal(served.status, 200);
    assert.equal((await served.json()).headers['x-forwarded-for'], '10.9.8.7', 'the client the forwarding server saw');
    assert.deepEqual(await code(await send(genuine)), [401, 'BERTH_E_FORWARD_REFUSED'], 'a replay');
    assert.deepEqual(await code(await send(forward({ signKey: Buffer.alloc(32, 7) }))), [401, 'BERTH_E_FORWARD_REFUSED'], 'another key');
    assert.deepEqual(await code(await send(forward({ to: await leaseOf('host-b') }))), [401, 'BERTH_E_FORWARD_REFUSED'], 'addressed to B');
    assert.deepEqual(await code(await send(forward({ url: `${prefix}/other` }))), [401, 'BERTH_E_FORWARD_REFUSED'], 'signed for another request');
    assert.deepEqual(await code(await send(forward({ at: Date.now() - 60_000 }))), [401, 'BERTH_E_FORWARD_REFUSED'], 'stale');
    const [v, body, mac] = forward({ tokenId: null }).split('.');
    const claims = JSON.parse(Buffer.from(body!, 'base64url').toString());
    const tampered = `${v}.${Buffer.from(JSON.stringify({ ...claims, tokenId: adminId })).toString('base64url')}.${mac}`;
    assert.deepEqual(await code(await send(tampered)), [401, 'BERTH_E_FORWARD_REFUSED'], 'claims changed after signing');
    assert.equal((await send(forward({ tokenId: null }))).status, 401, 'a forward naming no caller opens no private service');
    // The API's own routes take forwards the same way, and never a forged one.
    assert.equal((await api(a, 'GET', '/api/projects', { token: null, headers: { 'x-berth-forward': 'v1.e30.AAAA' } })).status, 401);
    // A revoked token is nobody, even in a genuine forward.
    const { token: secret, info } = await json(b, 'POST', '/api/tokens', { name: 'short-lived', project: 'demo' });
    assert.equal((await api(b, 'GET', `${prefix}/x`, { token: secret })).status, 200);
    await json(b, 'DELETE', `/api/tokens/${info.id}`);
    // Revoked through another server: A's token cache forgets it within a second (as for any token).
    await new Promise((r) => setTimeout(r, 1100));
    assert.deepEqual(await code(await send(forward({ tokenId: info.id }))), [401, 'BERTH_E_UNAUTHORIZED']);
  });

  it("B leaves host-a's service alone (restarting B changes nothing) and may use the same port number on its own host", async () => {
    const before = (await db.query(`select handle_json, host from services where name = 'echo'`)).rows[0];
    await b.stop();
    b = await startServerProcess({ ...env, BERTH_HOST_ID: 'host-b' });
    const after = (await db.query(`select handle_json, host from services where name = 'echo'`)).rows[0];
    assert.deepEqual(after, before);
    assert.equal((await api(b, 'GET', `${prefix}/again`)).status, 200);
    // Ports are the host's: on host-b the number is free (on this one machine the process then finds it taken, which is fine here).
    const twin = await api(b, 'POST', '/api/projects/demo/services', { body: { name: 'twin', command: process.execPath, args: `${echo} ${port}`, ports: [port] } });
    const text = await twin.text();
    assert.equal(twin.status, 201, text);
    assert.equal(JSON.parse(text).host, 'host-b');
    assert.equal((await api(a, 'DELETE', '/api/projects/demo/services/twin')).status, 204, 'removed through A: B stops it');
  });

  it('kill -9 of A: B answers 503 naming host-a at once (HTTP, websocket, log), then says no server is up there; A back, B reaches the service again', async () => {
    a.child.kill('SIGKILL');
    await new Promise((r) => a.child.once('exit', r));
    const started = Date.now();
    const down = await api(b, 'GET', `${prefix}/after-kill`);
    const page = await down.text();
    assert.equal(down.status, 503, page);
    assert.match(page, /service &#34;echo&#34; runs on host &#34;host-a&#34;; the Berth server there \(http:\/\/127\.0\.0\.1:\d+\) is not reachable \(ECONNREFUSED\)/);
    assert.ok(Date.now() - started < 3000, `answered in ${Date.now() - started} ms`);
    const ws = await openSocket(`${b.url.replace('http', 'ws')}${prefix}/socket`, { authorization: `Bearer ${ADMIN}` });
    assert.ok('status' in ws && ws.status === 503 && /BERTH_E_PEER_UNAVAILABLE/.test(ws.body), JSON.stringify(ws));
    const log = await api(b, 'GET', '/api/projects/demo/services/echo/logs');
    assert.equal(log.status, 503);
    assert.equal((await log.json()).error.code, 'BERTH_E_PEER_UNAVAILABLE');
    const listed = await json(b, 'GET', '/api/projects/demo/services');
    assert.equal(listed.services[0].status, 'unknown', 'no server on host-a can tell');

    // Once A's lease has run out, no server holds one on host-a.
    await eventually('A’s lease expired', async () => {
      const res = await api(b, 'GET', `${prefix}/later`);
      return res.status === 503 && /no Berth server there holds a live lease/.test(await res.text());
    }, (LEASE_SECONDS + 5) * 1000);

    // The service outlived its server; a new server on host-a adopts it and B reaches it again.
    a = await startServerProcess({ ...env, BERTH_HOST_ID: 'host-a' });
    const back = await eventually('the service through B again', async () => {
      const res = await api(b, 'GET', `${prefix}/back`);
      return res.status === 200 && res;
    }, 15_000);
    assert.equal((await back.json()).headers['x-berth-hops'], '2');
    // Removed through B: A stops it.
    assert.equal((await api(b, 'DELETE', '/api/projects/demo/services/echo')).status, 204);
    assert.equal((await api(a, 'GET', '/api/projects/demo/services/echo')).status, 404);
    await eventually('nothing listens on the port any more', async () => {
      try {
        await fetch(`http://127.0.0.1:${port}/`);
        return false;
      } catch {
        return true;
      }
    }, 10_000);
  });
});
