import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { after, before, describe, it } from 'node:test';
import { REPO } from '../helpers/berth-cli.ts';
import { ADMIN, TestServer } from '../helpers/berth-server.ts';
import { hostRequest, type HostResponse } from '../helpers/host-request.ts';

type Json = Record<string, any>;
const ECHO = join(REPO, 'test', 'fixtures', 'services', 'echo-service.mjs');
const BASE = 26000 + (process.pid % 1000) * 2;

/** A raw HTTP/1.1 request (for request targets a URL-parsing client would change, such as a "#"). */
function rawRequest(port: number, lines: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.end(`${lines.join('\r\n')}\r\nconnection: close\r\n\r\n`));
    let text = '';
    socket.on('data', (d: Buffer) => (text += d.toString()));
    socket.on('end', () => resolve(text));
    socket.on('error', reject);
  });
}

/** The head of the answer to a websocket handshake (the socket is closed once the head is in). */
function upgradeHead(port: number, lines: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(`${lines.join('\r\n')}\r\nconnection: Upgrade\r\nupgrade: websocket\r\nsec-websocket-version: 13\r\nsec-websocket-key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n`));
    let text = '';
    socket.on('data', (d: Buffer) => {
      text += d.toString('latin1');
      const end = text.indexOf('\r\n\r\n');
      if (end >= 0) {
        socket.destroy();
        resolve(text.slice(0, end));
      }
    });
    socket.on('error', reject);
  });
}

const fromEcho = (r: HostResponse) => {
  try {
    return typeof (JSON.parse(r.body) as Json).url === 'string';
  } catch {
    return false;
  }
};

describe('services on their own origin: second read (redirects, cookies set by services, host parsing, logs, pruning)', () => {
  let clock = Date.parse('2026-01-01T00:00:00Z');
  const t = new TestServer();
  const echoPort = BASE;
  let listen = '';
  let serverPort = 0;
  let echoHost = '';
  let labToken = '';
  const prefix = `/api/projects/lab/services/echo/${echoPort}`;
  const at = (host: string, path: string, headers: Record<string, string> = {}) => hostRequest(`${t.url}${path}`, host, headers);
  const nav = { 'sec-fetch-mode': 'navigate', 'sec-fetch-dest': 'document', 'sec-fetch-site': 'none' };

  before(async () => {
    await t.start({ now: () => clock });
    listen = new URL(t.url).host;
    serverPort = Number(new URL(t.url).port);
    echoHost = `echo--lab--${echoPort}.localhost:${serverPort}`;
    await t.project('lab');
    labToken = (await t.token('lab')).token;
    assert.equal((await t.api('POST', '/api/projects/lab/services', { body: { name: 'echo', command: process.execPath, args: `${ECHO} ${echoPort}`, ports: [echoPort] } })).status, 201);
    for (let i = 0; i < 200 && (await t.api('GET', `${prefix}/`)).status !== 200; i++) await new Promise((r) => setTimeout(r, 50));
  });
  after(async () => {
    await t.api('DELETE', '/api/projects/lab/services/echo');
    await t.close();
    t.cleanup();
  });

  it('never redirects to another host after taking a ?berth_token= on a service host ("//host" and "/\\host" paths)', async () => {
    for (const path of ['//evil.example/x', '/\\evil.example/x', '///evil.example/x']) {
      const res = await at(echoHost, `${path}?berth_token=${labToken}`);
      assert.equal(res.status, 302, path);
      const location = String(res.headers.location);
      assert.equal(new URL(location, `http://${echoHost}`).host, echoHost, `${path} → ${location} stays on the service's origin`);
    }
  });

  it('never lands a redeemed ticket on another host when a path-route navigation carries "//host"', async () => {
    const handOff = await at(listen, `${prefix}//evil.example/x?berth_token=${labToken}`, nav);
    assert.equal(handOff.status, 303);
    const ticket = new URL(String(handOff.headers.location)).searchParams.get('ticket')!;
    const redeemed = await at(echoHost, `/.berth/open?ticket=${ticket}`);
    assert.equal(redeemed.status, 303);
    assert.equal(new URL(String(redeemed.headers.location), `http://${echoHost}`).host, echoHost, String(redeemed.headers.location));
  });

  it("keeps a path-routed service from setting Berth's cookies on the UI's origin, and keeps its cookies under its own path", async () => {
    const set = ['berth_token=fixated; Path=/; SameSite=Lax', 'berth_service_session=bs_x; Path=/', 'theme=dark; Path=/; Domain=localhost', `deep=1; Path=${prefix}/lab`];
    const query = set.map((c) => `c=${encodeURIComponent(c)}`).join('&');
    const res = await at(listen, `${prefix}/set-cookie?${query}`, { authorization: `Bearer ${ADMIN}` });
    assert.equal(res.status, 200);
    const cookies = [res.headers['set-cookie'] ?? []].flat();
    assert.equal(cookies.some((c) => /^\s*berth_/i.test(c)), false, `no Berth cookie from a service: ${cookies.join(' | ')}`);
    assert.deepEqual(cookies, [`theme=dark; Path=${prefix}/`, `deep=1; Path=${prefix}/lab`]);

    const ws = await upgradeHead(serverPort, [`GET ${prefix}/set-cookie?${query} HTTP/1.1`, `host: ${listen}`, `authorization: Bearer ${ADMIN}`]);
    assert.match(ws, /^HTTP\/1\.1 101 /);
    const wsCookies = ws.split('\r\n').filter((l) => /^set-cookie:/i.test(l)).map((l) => l.slice(l.indexOf(':') + 1).trim());
    assert.deepEqual(wsCookies, [`theme=dark; Path=${prefix}/`, `deep=1; Path=${prefix}/lab`], 'the same on a websocket handshake');

    const own = await at(echoHost, `/set-cookie?c=${encodeURIComponent('theme=dark; Path=/')}`, { authorization: `Bearer ${ADMIN}` });
    assert.deepEqual([own.headers['set-cookie']].flat(), ['theme=dark; Path=/'], 'on its own origin a service sets what it likes');
  });

  it('reads a service host only in its canonical form (no numeric or percent-encoded aliases)', async () => {
    const aliases = [`echo--lab--0x${echoPort.toString(16)}.localhost:${serverPort}`, `echo--lab--0${echoPort}.localhost:${serverPort}`, `ech%6f--lab--${echoPort}.localhost:${serverPort}`];
    for (const host of aliases) {
      const res = await at(host, '/', { authorization: `Bearer ${ADMIN}` });
      assert.equal(fromEcho(res), false, `${host} reached the service: ${res.status} ${res.body.slice(0, 80)}`);
    }
    assert.equal(fromEcho(await at(echoHost, '/', { authorization: `Bearer ${ADMIN}` })), true);
  });

  it('sends a service host request with a "#" in its target to the service, never to the API', async () => {
    const raw = await rawRequest(serverPort, [`GET /api/projects#x HTTP/1.1`, `host: ${echoHost}`, `authorization: Bearer ${ADMIN}`]);
    assert.equal(raw.includes('"uuid"'), false, `the API answered on a service host: ${raw.slice(0, 300)}`);
  });

  it('keeps a URL-encoded berth_token or ticket parameter out of the log', async () => {
    const res = await at(listen, `${prefix}/logged?berth%5Ftoken=${labToken}`);
    assert.equal(res.status, 302, 'the encoded name is taken as the token');
    assert.equal(t.logs.some((line) => line.includes(labToken)), false, 'the token reached the log');
  });

  it('refuses a mutation with a service session cookie from another origin (a sibling service is same-site under a shared domain)', async () => {
    const session = String((await at(echoHost, `/?berth_token=${labToken}`)).headers['set-cookie']).split(';')[0]!;
    const post = (headers: Record<string, string>) => hostRequest(`${t.url}/form`, echoHost, { cookie: session, 'content-type': 'application/x-www-form-urlencoded', ...headers }, 'POST', 'a=1');
    const sibling = await post({ origin: `http://other--lab--1234.localhost:${serverPort}`, 'sec-fetch-site': 'same-site' });
    assert.equal(sibling.status, 403, sibling.body);
    assert.equal((JSON.parse(sibling.body) as Json).error.code, 'BERTH_E_CROSS_SITE');
    assert.equal((await post({ 'sec-fetch-site': 'same-site' })).status, 403, 'Sec-Fetch-Site alone tells it too');
    const own = await post({ origin: `http://${echoHost}`, 'sec-fetch-site': 'same-origin' });
    assert.equal(own.status, 200, own.body);
    assert.equal((JSON.parse(own.body) as Json).body, 'a=1');
    assert.equal((await post({})).status, 200, 'a client that tells neither');
    assert.equal((await hostRequest(`${t.url}/form`, echoHost, { authorization: `Bearer ${labToken}`, origin: 'http://evil.example' }, 'POST', 'a=1')).status, 200, 'a Bearer client is no browser');
  });

  it('drops expired service sessions whichever way sessions are opened', async () => {
    const db = new DatabaseSync(join(t.home, 'berth.db'), { timeout: 5_000 });
    try {
      const count = () => (db.prepare('SELECT count(*) AS n FROM service_sessions').get() as { n: number }).n;
      assert.equal((await at(echoHost, `/?berth_token=${labToken}`)).status, 302);
      assert.ok(count() >= 1);
      clock += 13 * 3600_000;
      assert.equal((await at(echoHost, `/?berth_token=${labToken}`)).status, 302);
      assert.equal(count(), 1, 'only the live session is kept');
    } finally {
      db.close();
    }
  });
});
