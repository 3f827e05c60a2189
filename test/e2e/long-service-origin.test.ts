import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { REPO } from '../helpers/berth-cli.ts';
import { eventually } from '../helpers/eventually.ts';
import { hostRequest } from '../helpers/host-request.ts';
import { freePort } from '../helpers/instances.ts';
import { ADMIN, HAVE_CHROMIUM, WebUi, type WatchedPage } from '../helpers/web-ui-harness.ts';

const PYTHON = '/usr/bin/python3';
const HOSTILE = join(REPO, 'test', 'fixtures', 'services', 'hostile-service.mjs');
const hasJupyter = spawnSync(PYTHON, ['-c', 'import jupyter_server, ipykernel'], { stdio: 'ignore' }).status === 0;

/** `hostile--<this>--<port>` is longer than a DNS label may be (63); project names may have 63 characters. */
const LONG = 'a-project-whose-name-is-long-enough-to-overflow-dns';
const SERVICE = 'hostile';
const STEP = '00000000-0000-4000-8000-000000000001';
const pipeline = {
  name: 'p', uuid: '11111111-2222-4333-8444-555555555555', version: '1.2.3', parameters: {}, settings: {}, services: {},
  steps: { [STEP]: { uuid: STEP, title: 'N', file_path: 'n.ipynb', environment: '', incoming_connections: [], parameters: {}, kernel: { name: 'python', display_name: 'Python 3' }, meta_data: { position: [0, 0], hidden: false } } },
};

/**
 * Issue 16: a service whose `<name>--<project>--<port>` host label would pass 63 characters (every
 * session service: `<name>-<session uuid>`, e.g. the session's Jupyter) must still open in Chromium
 * through the hand-off — on a short host label the proxy maps back to the service.
 */
describe('services with long names open on their own origin in Chromium', { skip: !HAVE_CHROMIUM }, () => {
  let ui: WebUi;
  let page: WatchedPage;
  let port = 0;
  let other = '';
  const api = (method: string, path: string, body?: unknown) => ui.api(method, path, body);
  const onHost = async (host: string, path: string, token: string | null) => (await hostRequest(`${ui.url}${path}`, host, token ? { authorization: `Bearer ${token}` } : {})).status;

  before(async () => {
    ui = await WebUi.start({ BERTH_PYTHON: PYTHON });
    port = await freePort();
    await ui.project('other', {});
    await ui.project(LONG, { 'p.orchest': pipeline, 'n.ipynb': { cells: [], metadata: {}, nbformat: 4, nbformat_minor: 5 } });
    const token = await api('POST', '/api/tokens', { name: 'other', project: 'other' });
    assert.equal(token.status, 201, await token.clone().text());
    other = ((await token.json()) as { token: string }).token;
    const res = await api('POST', `/api/projects/${LONG}/services`, { name: SERVICE, command: process.execPath, args: `${HOSTILE} ${port} ${ui.url}`, ports: [port] });
    assert.equal(res.status, 201, await res.clone().text());
    await eventually('the service answers', async () => (await api('GET', `/api/projects/${LONG}/services/${SERVICE}/${port}/`)).status === 200, 60_000);
    page = await ui.page();
  });
  after(async () => {
    await api('DELETE', `/api/projects/${LONG}/pipelines/p.orchest/session`).catch(() => undefined);
    await api('DELETE', `/api/projects/${LONG}/services/${SERVICE}`).catch(() => undefined);
    await ui?.close();
  });

  it("opens a service of a project with a long name from the UI's link, on a host whose labels all fit DNS", async () => {
    await ui.goto(page, `projects/${LONG}/services`);
    const link = page.getByRole('link', { name: `${SERVICE} :${port}` });
    await link.waitFor();
    const [tab] = await Promise.all([page.context().waitForEvent('page'), link.click()]);
    await tab.locator('#own').waitFor({ timeout: 30_000 });
    const url = new URL(tab.url());
    assert.ok(url.hostname.split('.').every((label) => label.length <= 63), `every label of ${url.hostname} fits DNS`);
    assert.match(url.hostname, /^s-[a-z2-7]{26}\.localhost$/);
    assert.equal(url.pathname, '/', 'the ticket is gone from the address bar');
    assert.equal(await tab.locator('#own').innerText(), 'own content of the hostile service');
    const cookies = await page.context().cookies(url.origin);
    assert.deepEqual(cookies.map((c) => [c.name, c.httpOnly, c.domain]), [['berth_service_session', true, url.hostname]], 'one host-only, HttpOnly service session cookie');
    await tab.close();
  });

  it('keeps the short host of a service stable, and refuses it without a token, with another project\'s token, and a forged one', async () => {
    const open = async () => new URL((await fetch(`${ui.url}/api/projects/${LONG}/services/${SERVICE}/open?port=${port}`, { redirect: 'manual', headers: { authorization: `Bearer ${ADMIN}` } })).headers.get('location')!).host;
    const host = await open();
    assert.equal(await open(), host, 'the same label every time');
    assert.equal(await onHost(host, '/', null), 401, 'no credential');
    assert.equal(await onHost(host, '/', other), 403, "another project's token");
    assert.equal(await onHost(host, '/', ADMIN), 200, 'the admin token passes');
    const forged = host.replace(/^s-[a-z2-7]/, (s) => (s === 's-a' ? 's-b' : 's-a'));
    assert.equal(await onHost(forged, '/', null), 401, 'a forged label: no credential');
    assert.equal(await onHost(forged, '/', ADMIN), 404, 'a forged label names no service');
    assert.equal(await onHost(host, '/.berth/open?ticket=bt_forged', null), 401, 'a forged ticket is refused');
  });

  it("opens the session's Jupyter (a session service: `berth-jupyter-<session uuid>`) in the browser through jupyter.url", { skip: hasJupyter ? false : `${PYTHON} has no jupyter_server/ipykernel` }, async () => {
    const started = await api('POST', `/api/projects/${LONG}/pipelines/p.orchest/session`);
    assert.equal(started.status, 201, await started.clone().text());
    const session = (await started.json()) as { jupyter: { url: string } | null };
    assert.ok(session.jupyter);
    const tab = await page.context().newPage();
    await tab.goto(`${ui.url}${session.jupyter.url}api/contents`);
    await tab.getByText('n.ipynb').first().waitFor({ timeout: 60_000 });
    const url = new URL(tab.url());
    assert.match(url.hostname, /^s-[a-z2-7]{26}\.localhost$/, `a short host: ${url.hostname}`);
    assert.equal(url.pathname, '/api/contents', "Jupyter's answer on its own origin");
    await tab.close();
  });
});
