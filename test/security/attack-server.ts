import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { REPO } from '../helpers/berth-cli.ts';
import { bashPipeline } from '../helpers/berth-server.ts';
import { startServerProcess } from '../helpers/berth-server-process.ts';
import { dockerTestContext, PYTHON_IMAGE } from '../helpers/docker-test-context.ts';
import { eventually } from '../helpers/eventually.ts';
import { killLeftovers } from './leftovers.ts';

export const ADMIN = 'security-admin-token-0123456789';

/**
 * The runtimes the attack replays run on. What does not apply to Docker, and why:
 * - the escalation through /proc/<pid>/environ and BERTH_HOME (item 2) is replayed in a container,
 *   where neither is visible (runtime-escalation.test.ts); the workload user, and the refusal of
 *   host workloads where there is none, are the process runtime's alone (containers never run on
 *   the host as the server's user);
 * - the launcher killed under load (item 10) has no Docker twin: the docker runtime has no helper
 *   process of Berth's own (the Engine starts and watches containers). Its equivalent, a step's or
 *   a service's container killed or removed under load, is runtime-container-death.test.ts;
 * - the proxy's port-owner check is the process runtime's (a container's ports are published on host
 *   ports the Engine picks); on Docker the replay checks that a route never falls back to the host
 *   port a service declares (runtime-port-squat.test.ts);
 * - the launcher's request checks (launcher-requests.test.ts), secrets at rest and the web UI
 *   session (runtime-secrets-at-rest.test.ts), the bad-input edge (bad-input.test.ts), the CLI's
 *   --env checks and "running only once ready" for host services involve no container: they run
 *   on the process runtime only.
 * Everything else (no token, project A against project B, upgrade-and-reset, the env var with "=",
 * writes through links a step planted, the raw-TCP fuzz) runs on both.
 */
export type Runtime = 'process' | 'docker';

/** process always; docker too when its engine and test images are there (else a visible skip; under CI a failure). */
export async function attackRuntimes(suite: string): Promise<Runtime[]> {
  const ctx = await dockerTestContext(`${suite} on the docker runtime`);
  return ctx.available ? ['process', 'docker'] : ['process'];
}

const ECHO_JS = join(REPO, 'test', 'fixtures', 'services', 'echo-service.mjs');
const ECHO_PY = readFileSync(join(REPO, 'test', 'fixtures', 'services', 'echo-service.py'), 'utf8')
  .split('\n')
  .filter((l) => !l.startsWith('#'))
  .join('\n');

/** A plain HTTP service (no websockets) that answers slowly and streams its answer. */
const PLAIN_SERVICE = `
const http = require('node:http');
http.createServer((req, res) => {
  res.writeHead(200, { 'content-type': 'text/plain' });
  let n = 0;
  const t = setInterval(() => { res.write('chunk ' + n + '\\n'); if (++n === 20) { clearInterval(t); res.end(); } }, 10);
  req.on('close', () => clearInterval(t));
}).listen(Number(process.argv[2]), '127.0.0.1');
`;

/**
 * A real `berth server` process (`--runtime process` or `--runtime docker`) on a temp BERTH_HOME
 * with two projects ("a" and "b") and a project token for each: what the attack replays run
 * against. `alive()` is what each replay asserts afterwards: the process still runs and
 * /api/health answers. `stop()` leaves nothing of the test's behind: no process, no container.
 */
export class AttackServer {
  readonly runtime: Runtime;
  readonly root = mkdtempSync(join(tmpdir(), 'berth-security-'));
  readonly home = join(this.root, 'home');
  url = '';
  host = '127.0.0.1';
  port = 0;
  tokenA = '';
  tokenB = '';
  #server!: Awaited<ReturnType<typeof startServerProcess>>;

  constructor(runtime: Runtime = 'process') {
    this.runtime = runtime;
  }

  async start(env: Record<string, string> = {}): Promise<this> {
    const docker = this.runtime === 'docker' ? { BERTH_DOCKER_IMAGE: PYTHON_IMAGE, ...(process.env.DOCKER_HOST ? { DOCKER_HOST: process.env.DOCKER_HOST } : {}) } : {};
    this.#server = await startServerProcess({ BERTH_HOME: this.home, BERTH_ADMIN_TOKEN: ADMIN, BERTH_STOP_GRACE_SECONDS: '2', ...docker, ...env }, ['--runtime', this.runtime]);
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

  /**
   * A service definition that serves `port` on this runtime: echo-service.mjs as a host process, or
   * its Python twin in the test image (`plain`: no websockets, every GET streams its answer).
   */
  echoService(name: string, port: number, opts: { plain?: boolean; requiresAuthentication?: boolean } = {}): Record<string, unknown> {
    const auth = opts.requiresAuthentication === false ? { requires_authentication: false } : {};
    if (this.runtime === 'docker') {
      return { name, image: PYTHON_IMAGE, command: 'python3', args: `-c '${ECHO_PY}' ${port}${opts.plain ? ' plain' : ''}`, ports: [port], ...auth };
    }
    const script = opts.plain ? this.file('a', 'plain.cjs', PLAIN_SERVICE) : ECHO_JS;
    return { name, command: process.execPath, args: `${script} ${port}`, ports: [port], ...auth };
  }

  /** Deploys `body` in `project` with that project's token and waits until the proxy answers 200 on its first port; the proxied path. */
  async deploy(project: 'a' | 'b', body: Record<string, unknown>): Promise<string> {
    const token = project === 'a' ? this.tokenA : this.tokenB;
    const res = await this.api('POST', `/api/projects/${project}/services`, { token, body });
    if (res.status !== 201) throw new Error(`deploy in ${project}: ${res.status} ${await res.text()}`);
    const path = `/api/projects/${project}/services/${body.name as string}/${(body.ports as number[])[0]}`;
    try {
      await eventually(`${path}/ to answer 200`, async () => {
        const r = await this.api('GET', `${path}/`, { token });
        await r.arrayBuffer();
        return r.status === 200;
      }, 60_000);
    } catch (e) {
      throw new Error(`${(e as Error).message}; its log:\n${await (await this.api('GET', `/api/projects/${project}/services/${body.name as string}/logs`)).text()}`);
    }
    return path;
  }

  /** The server's process id. */
  get pid(): number {
    return this.#server.child.pid!;
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

  /** Stops the server, then whatever of the test's is left: processes started from its folders, its containers. */
  async stop(): Promise<void> {
    await this.#server?.stop();
    const killed = await killLeftovers(this.root);
    if (killed.length > 0) process.stderr.write(`NOTICE: killed what the stopped server left: ${killed.map((p) => `${p.pid} ${p.cmdline.slice(0, 120)}`).join('; ')}\n`);
    if (this.runtime === 'docker') {
      const ids = execFileSync('docker', ['ps', '-aq', '--filter', `label=berth.owner.installation=${this.home}`], { encoding: 'utf8' }).split('\n').filter(Boolean);
      if (ids.length > 0) execFileSync('docker', ['rm', '-f', ...ids], { stdio: 'ignore' });
    }
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
