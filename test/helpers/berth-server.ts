import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { removeHome } from './remove-home.ts';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { loadConfig } from '../../src/config/config.ts';
import { startServer, type RunningServer, type ServerOptions } from '../../src/server/start-server.ts';

export const ADMIN = 'test-admin-token-0123456789';

/** A Berth server on a free loopback port with its own BERTH_HOME, and its JSON log lines. */
export class TestServer {
  readonly root = mkdtempSync(join(tmpdir(), 'berth-server-'));
  readonly home = join(this.root, 'home');
  readonly logs: string[] = [];
  server!: RunningServer;

  get url(): string {
    return this.server.url;
  }

  async start(opts: Partial<ServerOptions> & { env?: Record<string, string | undefined> } = {}): Promise<this> {
    const config = loadConfig({ PATH: process.env.PATH, HOME: process.env.HOME, BERTH_HOME: this.home, BERTH_STOP_GRACE_SECONDS: '2', BERTH_ADMIN_TOKEN: ADMIN, BERTH_SINGLE_USER: '1', ...opts.env });
    const sink = new Writable({ write: (chunk: Buffer, _enc, cb) => (this.logs.push(...chunk.toString().split('\n').filter(Boolean)), cb()) });
    this.server = await startServer(config, { host: '127.0.0.1', port: 0, logger: { level: 'info', stream: sink }, ...opts });
    return this;
  }

  /** A project folder with files, registered under `name` (admin token). */
  async project(name: string, files: Record<string, string> = {}): Promise<{ uuid: string; path: string }> {
    const path = join(this.root, name);
    mkdirSync(join(path, '.orchest'), { recursive: true });
    for (const [rel, content] of Object.entries(files)) {
      mkdirSync(join(path, rel, '..'), { recursive: true });
      writeFileSync(join(path, rel), content);
    }
    const res = await this.api('POST', '/api/projects', { body: { name, path } });
    if (res.status !== 201) throw new Error(`project ${name}: ${res.status} ${await res.text()}`);
    return (await res.json()) as { uuid: string; path: string };
  }

  /** A project token for `project` (by name). */
  async token(project: string, name = 'test'): Promise<{ token: string; info: { id: string } }> {
    const res = await this.api('POST', '/api/tokens', { body: { name, project } });
    if (res.status !== 201) throw new Error(`token: ${res.status} ${await res.text()}`);
    return (await res.json()) as { token: string; info: { id: string } };
  }

  api(method: string, path: string, opts: { body?: unknown; token?: string | null; headers?: Record<string, string> } = {}): Promise<Response> {
    const headers: Record<string, string> = { ...opts.headers };
    const token = opts.token === undefined ? ADMIN : opts.token;
    if (token !== null) headers.authorization = `Bearer ${token}`;
    if (opts.body !== undefined) headers['content-type'] = 'application/json';
    return fetch(`${this.url}${path}`, { method, headers, body: opts.body === undefined ? undefined : JSON.stringify(opts.body), redirect: 'manual' });
  }

  /** Polls a run until it has ended. */
  async waitForRun(uuid: string): Promise<{ run: { status: string }; steps: Array<{ title: string; status: string }> }> {
    for (;;) {
      const report = (await (await this.api('GET', `/api/runs/${uuid}`)).json()) as { run: { status: string }; steps: Array<{ title: string; status: string }> };
      if (!['PENDING', 'STARTED'].includes(report.run.status)) return report;
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  async close(): Promise<void> {
    await this.server?.close();
  }

  cleanup(): void {
    removeHome(this.home, this.root);
  }
}

/** An Orchest 1.2.3 pipeline with bash steps (`title` → script text), chained in the order given. */
export function bashPipeline(name: string, steps: Array<[string, string]>): { pipeline: Record<string, unknown>; files: Record<string, string> } {
  const files: Record<string, string> = {};
  const out: Record<string, unknown> = {};
  let parent: string | null = null;
  steps.forEach(([title, script], i) => {
    const uuid = `00000000-0000-4000-8000-${String(i + 1).padStart(12, '0')}`;
    files[`steps/${i}.sh`] = script;
    out[uuid] = {
      uuid, title, file_path: `steps/${i}.sh`, incoming_connections: parent ? [parent] : [], environment: '',
      kernel: { name: 'bash', display_name: 'Bash' }, parameters: {}, meta_data: { hidden: false, position: [0, 0] },
    };
    parent = uuid;
  });
  return { pipeline: { name, uuid: '11111111-2222-4333-8444-555555555555', version: '1.2.3', parameters: {}, settings: {}, steps: out }, files };
}
