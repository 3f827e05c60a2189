/// <reference lib="dom" />
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { REPO } from './berth-cli.ts';
import { bashPipeline } from './berth-server.ts';
import { startServerProcess } from './berth-server-process.ts';

export const CHROMIUM = '/usr/bin/chromium';
export const SHOTS = join(REPO, 'test', 'e2e', 'screenshots');
export const ADMIN = 'e2e-admin-token-0123456789abcdef';
export const HAVE_CHROMIUM = existsSync(CHROMIUM);
if (!HAVE_CHROMIUM && process.env.CI) throw new Error(`${CHROMIUM} is missing: CI installs Debian's chromium (.ci/run)`);
if (!HAVE_CHROMIUM) console.log(`# skipped: the browser tests need ${CHROMIUM} (apt-get install chromium)`);

export type Json = Record<string, unknown>;
/** A page plus what it logged: console errors and uncaught exceptions (a normal screen logs none). */
export type WatchedPage = Page & { errors: string[] };

/**
 * One real `berth server` process and one headless Chromium shared by a test file; every test makes
 * its own project (`project()`) and its own signed-in page (`page()`), so cases do not depend on
 * each other's order.
 */
export class WebUi {
  readonly root: string;
  readonly url: string;
  readonly #server: Awaited<ReturnType<typeof startServerProcess>>;
  readonly #browser: Browser;

  private constructor(root: string, server: Awaited<ReturnType<typeof startServerProcess>>, browser: Browser) {
    this.root = root;
    this.#server = server;
    this.#browser = browser;
    this.url = server.url;
  }

  static async start(env: Record<string, string> = {}): Promise<WebUi> {
    mkdirSync(SHOTS, { recursive: true });
    const root = mkdtempSync(join(tmpdir(), 'berth-e2e-'));
    const server = await startServerProcess({ BERTH_HOME: join(root, 'home'), BERTH_ADMIN_TOKEN: ADMIN, BERTH_STOP_GRACE_SECONDS: '2', BERTH_WEBHOOK_MAX_ATTEMPTS: '1', ...env });
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
    return new WebUi(root, server, browser);
  }

  async close(): Promise<void> {
    await this.#browser.close();
    await this.#server.stop();
    rmSync(this.root, { recursive: true, force: true });
  }

  api(method: string, path: string, body?: unknown, token = ADMIN): Promise<Response> {
    return fetch(`${this.url}${path}`, { method, headers: { authorization: `Bearer ${token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) }, body: body !== undefined ? JSON.stringify(body) : undefined });
  }

  /** A new browser context signed in with `token` (the session cookie the sign-in form gets), or signed out. */
  async page(opts: { token?: string | null; width?: number; height?: number } = {}): Promise<WatchedPage> {
    const context = await this.#browser.newContext({ viewport: { width: opts.width ?? 1440, height: opts.height ?? 900 } });
    const token = opts.token === undefined ? ADMIN : opts.token;
    if (token) {
      // Signed in as the sign-in form does: the server trades the token for a session id (the cookie never holds the token).
      const res = await fetch(`${this.url}/api/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token }) });
      const cookie = /^berth_token=([^;]*)/.exec(res.headers.get('set-cookie') ?? '');
      if (res.status !== 200 || !cookie) throw new Error(`sign-in with the token failed: ${res.status} ${await res.text()}`);
      await context.addCookies([{ name: 'berth_token', value: cookie[1]!, url: this.url, httpOnly: true, sameSite: 'Strict' }]);
    }
    const page = (await context.newPage()) as WatchedPage;
    page.errors = [];
    page.on('console', (m) => m.type() === 'error' && page.errors.push(`${m.text()} (${m.location().url})`));
    page.on('pageerror', (e) => page.errors.push(String(e)));
    return page;
  }

  /** Opens `#/…` on a page. */
  goto(page: Page, hash: string): Promise<unknown> {
    return page.goto(`${this.url}/#/${hash.replace(/^#?\/?/, '')}`);
  }

  async shot(page: Page, name: string, fullPage = false): Promise<void> {
    await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage });
  }

  /**
   * A registered project in a fresh folder holding `files` (path → text, or a JSON value written
   * pretty-printed). Returns its name and folder.
   */
  async project(name: string, files: Record<string, string | Json>): Promise<{ name: string; dir: string }> {
    const dir = join(this.root, name);
    mkdirSync(join(dir, '.orchest'), { recursive: true });
    for (const [rel, content] of Object.entries(files)) {
      mkdirSync(dirname(join(dir, rel)), { recursive: true });
      writeFileSync(join(dir, rel), typeof content === 'string' ? content : JSON.stringify(content, null, 2));
    }
    const res = await this.api('POST', '/api/projects', { name, path: dir });
    if (res.status !== 201) throw new Error(`project ${name} not created: ${res.status} ${await res.text()}`);
    return { name, dir };
  }
}

/** A bash pipeline (steps chained in order) with its own pipeline uuid, and its step files, ready for `WebUi.project`. */
export function bashProjectFiles(file: string, name: string, steps: Array<[string, string]>, edit?: (p: Json & { steps: Record<string, Json & { incoming_connections: string[] }> }) => void): Record<string, string | Json> {
  const { pipeline, files } = bashPipeline(name, steps);
  pipeline.uuid = randomUUID();
  edit?.(pipeline as Json & { steps: Record<string, Json & { incoming_connections: string[] }> });
  const prefix = dirname(file) === '.' ? '' : `${dirname(file)}/`;
  return { [file]: pipeline, ...Object.fromEntries(Object.entries(files).map(([k, v]) => [`${prefix}${k}`, v])) };
}

export const STEP = (i: number): string => `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`;
