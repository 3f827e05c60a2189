import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { bashPipeline } from '../helpers/berth-server.ts';
import { startServerProcess } from '../helpers/berth-server-process.ts';

export const ADMIN = 'security-admin-token-0123456789';

/**
 * A real `berth server` process on a temp BERTH_HOME with two projects ("a" and "b") and a
 * project token for each: what the attack replays run against. `alive()` is what each replay
 * asserts afterwards: the process still runs and /api/health answers.
 */
export class AttackServer {
  readonly root = mkdtempSync(join(tmpdir(), 'berth-security-'));
  readonly home = join(this.root, 'home');
  url = '';
  host = '127.0.0.1';
  port = 0;
  tokenA = '';
  tokenB = '';
  #server!: Awaited<ReturnType<typeof startServerProcess>>;

  async start(env: Record<string, string> = {}): Promise<this> {
    this.#server = await startServerProcess({ BERTH_HOME: this.home, BERTH_ADMIN_TOKEN: ADMIN, BERTH_STOP_GRACE_SECONDS: '2', ...env });
    this.url = this.#server.url;
    const u = new URL(this.url);
    this.host = u.hostname;
    this.port = Number(u.port);
    for (const name of ['a', 'b']) {
      const path = this.projectDir(name);
      mkdirSync(join(path, '.orchest'), { recursive: true });
      const res = await this.api('POST', '/api/projects', { body: { name, path } });
      if (res.status !== 201) throw new Error(`project ${name}: ${res.status} ${await res.text()}`);
      const tok = await this.api('POST', '/api/tokens', { body: { name: `${name}-token`, project: name } });
      if (tok.status !== 201) throw new Error(`token ${name}: ${tok.status} ${await tok.text()}`);
      const secret = ((await tok.json()) as { token: string }).token;
      if (name === 'a') this.tokenA = secret;
      else this.tokenB = secret;
    }
    return this;
  }

  projectDir(name: string): string {
    return join(this.root, 'projects', name);
  }

  /** Writes a file in a project's folder. */
  file(project: string, rel: string, content: string): string {
    const path = join(this.projectDir(project), rel);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, content);
    return path;
  }

  api(method: string, path: string, opts: { body?: unknown; raw?: string; token?: string | null; headers?: Record<string, string> } = {}): Promise<Response> {
    const headers: Record<string, string> = { ...opts.headers };
    const token = opts.token === undefined ? ADMIN : opts.token;
    if (token !== null) headers.authorization = `Bearer ${token}`;
    if (opts.body !== undefined || opts.raw !== undefined) headers['content-type'] ??= 'application/json';
    const body = opts.raw ?? (opts.body === undefined ? undefined : JSON.stringify(opts.body));
    return fetch(`${this.url}${path}`, { method, headers, body, redirect: 'manual' });
  }

  /** The server process is still running and answers /api/health. */
  async alive(): Promise<boolean> {
    if (this.#server.child.exitCode !== null || this.#server.child.signalCode !== null) return false;
    try {
      const res = await fetch(`${this.url}/api/health`, { signal: AbortSignal.timeout(5000) });
      return res.status === 200;
    } catch {
      return false;
    }
  }

  /** Runs a one-step bash pipeline in `project` with that project's token; its final status and the step's log. */
  async run(project: 'a' | 'b', script = 'echo ran-ok\n'): Promise<{ status: string; log: string }> {
    const token = project === 'a' ? this.tokenA : this.tokenB;
    const { pipeline, files } = bashPipeline('check', [['Only', script]]);
    for (const [rel, content] of Object.entries(files)) this.file(project, rel, content);
    this.file(project, 'check.orchest', JSON.stringify(pipeline));
    const res = await this.api('POST', `/api/projects/${project}/runs`, { token, body: { pipeline: 'check.orchest' } });
    if (res.status !== 201) throw new Error(`run in ${project}: ${res.status} ${await res.text()}`);
    const uuid = ((await res.json()) as { run: { uuid: string } }).run.uuid;
    for (let i = 0; i < 600; i++) {
      const report = (await (await this.api('GET', `/api/runs/${uuid}`, { token })).json()) as { run: { status: string } };
      if (!['PENDING', 'STARTED'].includes(report.run.status)) {
        const log = await (await this.api('GET', `/api/runs/${uuid}/steps/Only/logs`, { token })).text();
        return { status: report.run.status, log };
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`run ${uuid} never ended`);
  }

  stderr(): string {
    return this.#server.stderr();
  }

  /** A raw TCP connection to the server. */
  connect(): Promise<Socket> {
    return new Promise((resolve, reject) => {
      const s = connect(this.port, this.host, () => resolve(s));
      s.on('error', (e) => reject(new Error(`cannot connect (${e.message}); the server said:\n${this.stderr()}`)));
    });
  }

  async stop(): Promise<void> {
    await this.#server?.stop();
  }

  cleanup(): void {
    rmSync(this.root, { recursive: true, force: true });
  }
}

/** Sends `data` on a fresh connection, waits `afterMs`, then resets it (RST, not FIN). */
export async function sendAndReset(server: AttackServer, data: string | Buffer, afterMs = 0): Promise<void> {
  const s = await server.connect();
  s.on('error', () => {});
  s.write(data);
  if (afterMs > 0) await new Promise((r) => setTimeout(r, afterMs));
  s.resetAndDestroy();
}
