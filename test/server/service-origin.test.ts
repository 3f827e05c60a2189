import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { REPO } from '../helpers/berth-cli.ts';
import { ADMIN, TestServer } from '../helpers/berth-server.ts';
import { hostRequest, type HostResponse } from '../helpers/host-request.ts';
import { defaultServicesDomain } from '../../src/server/start-server.ts';

type Json = Record<string, any>;
const ECHO = join(REPO, 'test', 'fixtures', 'services', 'echo-service.mjs');
const BASE = 23000 + (process.pid % 1000) * 3;

const code = (r: HostResponse) => (JSON.parse(r.body) as Json).error?.code as string | undefined;
const problemPath = (r: HostResponse) => (JSON.parse(r.body) as Json).error?.problems?.[0]?.path as string | undefined;
const cookieOf = (r: HostResponse) => String(r.headers['set-cookie'] ?? '').split(';')[0]!;

describe('services on their own origin: ticket hand-off, service sessions, CSRF rules', () => {
  let clock = Date.parse('2026-01-01T00:00:00Z');
  const t = new TestServer();
  const echoPort = BASE;
  const otherPort = BASE + 1;
  let listen = '';
  let echoHost = '';
  let otherHost = '';
  let labToken = '';
  let labTokenId = '';
  let uiCookie = '';

  /** A request to the server (127.0.0.1) as `host`. */
  const at = (host: string, path: string, headers: Record<string, string> = {}, method = 'GET', body?: string) => hostRequest(`${t.url}${path}`, host, headers, method, body);
  /** GET the hand-off route; its Location. */
  const open = async (service: string, port: number, headers: Record<string, string>, next = '/') => at(listen, `/api/projects/lab/services/${service}/open?port=${port}&next=${encodeURIComponent(next)}`, headers);
  const ticketOf = (r: HostResponse) => new URL(String(r.headers.location)).searchParams.get('ticket')!;
  const deploy = async (name: string, port: number) => {
    assert.equal((await t.api('POST', '/api/projects/lab/services', { body: { name, command: process.execPath, args: `${ECHO} ${port}`, ports: [port] } })).status, 201);
    for (let i = 0; i < 200 && (await t.api('GET', `/api/projects/lab/services/${name}/${port}/`)).status !== 200; i++) await new Promise((r) => setTimeout(r, 50));
  };

  before(async () => {
    await t.start({ now: () => clock });
    listen = new URL(t.url).host;
    const p = new URL(t.url).port;
    echoHost = `echo--lab--${echoPort}.localhost:${p}`;
    otherHost = `other--lab--${otherPort}.localhost:${p}`;
    await t.project('lab');
    await t.project('elsewhere');
    const tok = await t.token('lab');
    labToken = tok.token;
    labTokenId = tok.info.id;
    await deploy('echo', echoPort);
    await deploy('other', otherPort);
    const signIn = await t.api('POST', '/api/session', { token: null, body: { token: ADMIN } });
    uiCookie = (signIn.headers.get('set-cookie') ?? '').split(';')[0]!;
  });
  after(async () => {
    await t.api('DELETE', '/api/projects/lab/services/echo');
    await t.api('DELETE', '/api/projects/lab/services/other');
    await t.close();
    t.cleanup();
  });

  it('defaults the services domain to localhost on loopback only', () => {
    assert.equal(defaultServicesDomain('127.0.0.1'), 'localhost');
    assert.equal(defaultServicesDomain('::1'), 'localhost');
    assert.equal(defaultServicesDomain('0.0.0.0'), undefined);
  });

  it('hands a signed-in browser a one-time ticket to the service origin, which becomes a host-only service session', async () => {
    const res = await open('echo', echoPort, { cookie: uiCookie, 'sec-fetch-site': 'same-origin' }, '/page?x=1');
    assert.equal(res.status, 303);
    const location = new URL(String(res.headers.location));
    assert.equal(location.host, echoHost);
    assert.equal(location.pathname, '/.berth/open');
    assert.match(ticketOf(res), /^bt_[\w-]{43}$/);
    assert.equal(res.headers['referrer-policy'], 'no-referrer');

    const redeemed = await at(echoHost, `/.berth/open?ticket=${ticketOf(res)}`);
    assert.equal(redeemed.status, 303);
    assert.equal(redeemed.headers.location, '/page?x=1');
    const setCookie = String(redeemed.headers['set-cookie']);
    assert.match(setCookie, /^berth_service_session=bs_[\w-]{43}; Path=\/; HttpOnly; SameSite=Lax; Max-Age=43200$/, 'host-only (no Domain), not the token');
    assert.equal(setCookie.includes(ADMIN), false);

    const page = await at(echoHost, '/page?x=1', { cookie: `theme=dark; ${cookieOf(redeemed)}; ${uiCookie}` });
    assert.equal(page.status, 200);
    const seen = JSON.parse(page.body) as Json;
    assert.equal(seen.url, '/page?x=1');
    assert.equal(seen.headers.cookie, 'theme=dark', "Berth's cookies are stripped before forwarding");
    assert.equal(page.body.includes('bs_'), false);

    assert.equal(t.logs.some((line) => line.includes(ticketOf(res)) || line.includes(cookieOf(redeemed).split('=')[1]!)), false, 'neither the ticket nor the session reaches the log');
    const again = await at(echoHost, `/.berth/open?ticket=${ticketOf(res)}`);
    assert.equal(again.status, 401, 'a ticket opens once');
    assert.equal(code(again), 'BERTH_E_SERVICE_TICKET');
    assert.equal(again.headers['set-cookie'], undefined);
  });

  it('refuses expired tickets (60 s), tickets and sessions of another service, and the UI cookie on a service host', async () => {
    const late = await open('echo', echoPort, { authorization: `Bearer ${labToken}` });
    clock += 61_000;
    assert.equal((await at(echoHost, `/.berth/open?ticket=${ticketOf(late)}`)).status, 401);

    const forEcho = await open('echo', echoPort, { authorization: `Bearer ${labToken}` });
    const wrong = await at(otherHost, `/.berth/open?ticket=${ticketOf(forEcho)}`);
    assert.equal(wrong.status, 401, "echo's ticket does not open other");
    assert.equal((await at(echoHost, `/.berth/open?ticket=${ticketOf(forEcho)}`)).status, 401, 'and it is gone once tried');

    const session = cookieOf(await at(echoHost, `/.berth/open?ticket=${ticketOf(await open('echo', echoPort, { authorization: `Bearer ${labToken}` }))}`));
    assert.equal((await at(echoHost, '/', { cookie: session })).status, 200);
    assert.equal((await at(otherHost, '/', { cookie: session })).status, 401, "echo's session is no credential for other");
    assert.equal((await at(echoHost, '/', { cookie: uiCookie })).status, 401, "the UI's cookie is no credential on a service host");
    assert.equal((await at(echoHost, '/', { cookie: 'berth_service_session=bs_forged' })).status, 401);

    const elsewhere = (await t.token('elsewhere')).token;
    assert.equal((await open('echo', echoPort, { authorization: `Bearer ${elsewhere}` })).status, 403, "another project's token gets no ticket");
    assert.equal((await open('nope', 80, { authorization: `Bearer ${labToken}` })).status, 404);
    const bad = await open('echo', echoPort, { authorization: `Bearer ${labToken}` }, '//evil.example/x');
    assert.equal(bad.status, 400);
    assert.equal(problemPath(bad), 'querystring.next');
  });

  it('ends service sessions and unused tickets when the token is revoked, and when the service is removed', async () => {
    const session = cookieOf(await at(echoHost, `/.berth/open?ticket=${ticketOf(await open('echo', echoPort, { authorization: `Bearer ${labToken}` }))}`));
    const pending = ticketOf(await open('echo', echoPort, { authorization: `Bearer ${labToken}` }));
    assert.equal((await at(echoHost, '/', { cookie: session })).status, 200);
    assert.equal((await t.api('DELETE', `/api/tokens/${labTokenId}`)).status, 200);
    assert.equal((await at(echoHost, '/', { cookie: session })).status, 401, 'revoked token: its service session ends');
    assert.equal((await at(echoHost, `/.berth/open?ticket=${pending}`)).status, 401, 'revoked token: its tickets are void');

    const admin = cookieOf(await at(otherHost, `/.berth/open?ticket=${ticketOf(await open('other', otherPort, { authorization: `Bearer ${ADMIN}` }))}`));
    assert.equal((await at(otherHost, '/', { cookie: admin })).status, 200);
    assert.equal((await t.api('DELETE', '/api/projects/lab/services/other')).status, 204);
    await deploy('other', otherPort);
    assert.equal((await at(otherHost, '/', { cookie: admin })).status, 401, 'a removed service takes its sessions along, even when one of that name comes back');
  });

  it('sends browser navigations to a path route to the service origin, and sandboxes what path routes serve', async () => {
    const prefix = `/api/projects/lab/services/echo/${echoPort}`;
    const nav = { 'sec-fetch-mode': 'navigate', 'sec-fetch-dest': 'document', 'sec-fetch-site': 'same-origin' };
    const signedIn = await at(listen, `${prefix}/deep?q=1`, { ...nav, cookie: uiCookie });
    assert.equal(signedIn.status, 303);
    assert.equal(signedIn.headers.location, `/api/projects/lab/services/echo/open?port=${echoPort}&next=${encodeURIComponent('/deep?q=1')}`, 'to the hand-off route, which takes the UI cookie');
    const viaOpen = await at(listen, String(signedIn.headers.location), { ...nav, cookie: uiCookie });
    assert.equal(new URL(String(viaOpen.headers.location)).host, echoHost);
    const redeemed = await at(echoHost, `/.berth/open?ticket=${ticketOf(viaOpen)}`);
    assert.equal(redeemed.headers.location, '/deep?q=1');

    const withToken = await at(listen, `${prefix}/x?berth_token=${ADMIN}`, { 'sec-fetch-mode': 'navigate', 'sec-fetch-dest': 'iframe' });
    assert.equal(withToken.status, 303);
    assert.equal(new URL(String(withToken.headers.location)).host, echoHost);
    assert.equal(String(withToken.headers.location).includes(ADMIN), false);

    const api = await at(listen, `${prefix}/data`, { authorization: `Bearer ${ADMIN}` });
    assert.equal(api.status, 200, 'API clients keep the path route');
    const csp = String(api.headers['content-security-policy']);
    assert.match(csp, /^sandbox /);
    assert.doesNotMatch(csp, /allow-same-origin/);
    assert.equal((await at(listen, `${prefix}/data`, { cookie: uiCookie })).status, 401, "the UI's cookie is no credential for the path proxy");
    assert.equal((await at(echoHost, '/data', { authorization: `Bearer ${ADMIN}` })).headers['content-security-policy'], undefined, 'a service on its own origin is not sandboxed');
  });

  it('refuses cross-site use of the UI cookie (Sec-Fetch-Site, Origin) and leaves Bearer clients alone', async () => {
    const json = { 'content-type': 'application/json' };
    const body = JSON.stringify({ name: 'x', path: '/nonexistent' });
    const crossSite = await at(listen, '/api/projects', { cookie: uiCookie, 'sec-fetch-site': 'cross-site' });
    assert.equal(crossSite.status, 403);
    assert.equal(code(crossSite), 'BERTH_E_CROSS_SITE');
    assert.equal(problemPath(crossSite), 'Sec-Fetch-Site');
    assert.equal((await at(listen, '/api/projects', { cookie: uiCookie, 'sec-fetch-site': 'same-site' })).status, 403, 'a sibling service host is same-site, not same-origin');
    assert.equal((await at(listen, '/api/projects', { cookie: uiCookie, 'sec-fetch-site': 'none' })).status, 200, 'GET from the address bar');
    assert.equal((await at(listen, '/api/projects', { cookie: uiCookie, 'sec-fetch-site': 'none', ...json }, 'POST', body)).status, 403, 'but no mutation');
    const evil = await at(listen, '/api/projects', { cookie: uiCookie, origin: `http://echo--lab--${echoPort}.localhost:${new URL(t.url).port}`, ...json }, 'POST', body);
    assert.equal(evil.status, 403);
    assert.equal(problemPath(evil), 'Origin');
    assert.equal((await at(listen, '/api/projects', { cookie: uiCookie, ...json }, 'POST', body)).status, 403, 'a cookie mutation without Origin');
    const same = await at(listen, '/api/projects', { cookie: uiCookie, origin: t.url, 'sec-fetch-site': 'same-origin', ...json }, 'POST', body);
    assert.notEqual(same.status, 403, same.body);
    assert.equal((await at(listen, '/api/projects', { authorization: `Bearer ${ADMIN}`, 'sec-fetch-site': 'cross-site', origin: 'http://evil.example' })).status, 200, 'Bearer clients are unaffected');
    assert.equal((await at(listen, '/api/session', { 'sec-fetch-site': 'cross-site', origin: 'http://evil.example', ...json }, 'POST', JSON.stringify({ token: ADMIN }))).status, 403, 'no sign-in from another site');
  });
});
