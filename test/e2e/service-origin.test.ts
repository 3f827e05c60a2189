/// <reference lib="dom" />
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { REPO } from '../helpers/berth-cli.ts';
import { startServerProcess } from '../helpers/berth-server-process.ts';
import { freePort } from '../helpers/instances.ts';

const CHROMIUM = '/usr/bin/chromium';
const SHOTS = join(REPO, 'test', 'e2e', 'screenshots');
const ADMIN = 'e2e-origin-admin-token-0123456789';
const HOSTILE = join(REPO, 'test', 'fixtures', 'services', 'hostile-service.mjs');
const haveChromium = existsSync(CHROMIUM);
if (!haveChromium && process.env.CI) throw new Error(`${CHROMIUM} is missing: CI installs Debian's chromium (.ci/run)`);

type Attempt = { status?: number; type?: string; body?: string; error?: string };
type Result = { origin: string; cookie: string; sameOriginApi: Attempt; uiGet: Attempt; uiPost: Attempt; uiPostNoCors: Attempt; uiSession: Attempt };

/**
 * A signed-in user opens a hostile project service in Chromium. The page must land on the
 * service's own origin (`<name>--<project>--<port>.localhost`), load its own content, and fail at
 * every use of the user's Berth credentials: the API on its origin is the service itself, the UI's
 * origin answers without the cookie (cross-site), and document.cookie holds nothing of Berth's.
 */
describe('services on their own origin, in Chromium', { skip: !haveChromium }, () => {
  const root = mkdtempSync(join(tmpdir(), 'berth-e2e-origin-'));
  let server: Awaited<ReturnType<typeof startServerProcess>>;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let port = 0;
  let serviceOrigin = '';
  const api = (method: string, path: string, body?: unknown) =>
    fetch(`${server.url}${path}`, { method, headers: { authorization: `Bearer ${ADMIN}`, ...(body ? { 'content-type': 'application/json' } : {}) }, body: body ? JSON.stringify(body) : undefined });

  /** Waits for the hostile page's report of its attempts. */
  const resultOf = async (tab: Page): Promise<Result> => {
    await tab.locator('#result').filter({ hasText: 'origin' }).waitFor({ timeout: 20_000 });
    return JSON.parse(await tab.locator('#result').innerText()) as Result;
  };
  const assertContained = async (tab: Page, result: Result) => {
    assert.equal(result.origin, serviceOrigin, 'the page runs on the service origin');
    assert.equal(await tab.locator('#own').innerText(), 'own content of the hostile service', 'its own content loads');
    assert.equal(result.cookie, '', 'no Berth cookie is readable');
    assert.equal(result.sameOriginApi.body, 'the service itself: no Berth API here', '/api on its origin is the service, not Berth');
    assert.ok(result.uiGet.error, `reading the UI's API cross-origin fails: ${JSON.stringify(result.uiGet)}`);
    assert.ok(result.uiSession.error, `reading the UI session fails: ${JSON.stringify(result.uiSession)}`);
    assert.ok(result.uiPost.error, `a credentialed JSON POST to the UI's API fails: ${JSON.stringify(result.uiPost)}`);
    const projects = (await (await api('GET', '/api/projects')).json()) as { projects: Array<{ name: string }> };
    assert.deepEqual(projects.projects.map((p) => p.name).filter((n) => n.startsWith('pwned')), [], 'no POST took effect');
  };

  before(async () => {
    mkdirSync(SHOTS, { recursive: true });
    mkdirSync(join(root, 'demo', '.orchest'), { recursive: true });
    server = await startServerProcess({ BERTH_HOME: join(root, 'home'), BERTH_ADMIN_TOKEN: ADMIN, BERTH_STOP_GRACE_SECONDS: '2' });
    port = await freePort();
    serviceOrigin = `http://hostile--demo--${port}.localhost:${new URL(server.url).port}`;
    assert.equal((await api('POST', '/api/projects', { name: 'demo', path: join(root, 'demo') })).status, 201);
    const res = await api('POST', '/api/projects/demo/services', { name: 'hostile', command: process.execPath, args: `${HOSTILE} ${port} ${server.url}`, ports: [port] });
    assert.equal(res.status, 201, await res.clone().text());
    for (let i = 0; i < 200 && (await api('GET', `/api/projects/demo/services/hostile/${port}/`)).status !== 200; i++) await new Promise((r) => setTimeout(r, 50));
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
    context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    page = await context.newPage();
    await page.goto(server.url);
    await page.getByLabel('Token').fill(ADMIN);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Projects' }).waitFor();
  });
  after(async () => {
    await api('DELETE', '/api/projects/demo/services/hostile').catch(() => undefined);
    await browser?.close();
    await server?.stop();
    rmSync(root, { recursive: true, force: true });
  });

  it("opens the service from the UI's link on its own origin, where the user's credentials are out of reach", async () => {
    await page.goto(`${server.url}/#/projects/demo/services`);
    const link = page.getByRole('link', { name: `hostile :${port}` });
    await link.waitFor();
    assert.equal(await link.getAttribute('rel'), 'noopener noreferrer');
    assert.equal(await link.getAttribute('target'), '_blank');
    const [tab] = await Promise.all([context.waitForEvent('page'), link.click()]);
    const result = await resultOf(tab);
    assert.equal(new URL(tab.url()).origin, serviceOrigin);
    assert.equal(new URL(tab.url()).pathname, '/', 'the ticket is gone from the address bar');
    await assertContained(tab, result);
    const cookies = await context.cookies(serviceOrigin);
    assert.deepEqual(cookies.map((c) => [c.name, c.httpOnly, c.domain]), [['berth_service_session', true, new URL(serviceOrigin).hostname]], 'one host-only, HttpOnly service session cookie');
    assert.equal(cookies[0]!.value.includes(ADMIN), false);
    assert.equal(await tab.evaluate(() => window.opener), null);
    await tab.screenshot({ path: join(SHOTS, '20-hostile-service-own-origin.png') });
    await tab.close();
  });

  it('an old path link opened in the browser lands on the service origin too, never running the page in the UI origin', async () => {
    const tab = await context.newPage();
    await tab.goto(`${server.url}/api/projects/demo/services/hostile/${port}/`);
    const result = await resultOf(tab);
    assert.equal(new URL(tab.url()).origin, serviceOrigin);
    await assertContained(tab, result);
    await tab.close();
  });
});
