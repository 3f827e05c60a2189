import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { after, before, describe, it } from 'node:test';
import WebSocket from 'ws';
import { REPO } from '../helpers/berth-cli.ts';
import { startServerProcess } from '../helpers/berth-server-process.ts';
import { BUSYBOX_IMAGE, dockerTestContext, JUPYTER_IMAGE, KERNEL_BASE_IMAGE, skipWithoutImages } from '../helpers/docker-test-context.ts';
import { eventually } from '../helpers/eventually.ts';
import { execute, openSocket } from '../helpers/jupyter-kernel-socket.ts';
import { notebookProjectFiles } from '../helpers/notebook-project.ts';

const ENV_BASE_IMAGE = KERNEL_BASE_IMAGE;
const ENV = 'dddddddd-1111-4111-8111-000000000003';
const ADMIN = 'restart-admin-token-0123456789';
/** An environment whose image has no python3 (busybox): its kernel host cannot start. */
const BROKEN = 'dddddddd-1111-4111-8111-00000000000b';
const ctx = await dockerTestContext('kernel hosts across a Berth restart');
const skip = await skipWithoutImages(ctx, [JUPYTER_IMAGE, ENV_BASE_IMAGE, BUSYBOX_IMAGE]);

/**
 * Issue 16: kernel containers are adopted or removed after a Berth restart; none is left behind. A
 * server killed with SIGKILL leaves a running session's kernel host running, and the next server
 * adopts it (the kernel keeps its state; the host is removed by that server when its last kernel
 * ends). A `berth session stop` killed half-way leaves the session STOPPING with containers; the next
 * Berth to start removes them.
 */
if (ctx.available) {
  describe('kernel host containers across a killed Berth (real Docker, real Jupyter Server)', { skip, timeout: 600_000 }, () => {
    const root = mkdtempSync(join(tmpdir(), 'berth-kernel-restart-'));
    const home = join(root, 'home');
    const project = join(root, 'alpha');
    const env = { BERTH_HOME: home, BERTH_ADMIN_TOKEN: ADMIN, BERTH_RUNTIME: 'docker', BERTH_JUPYTER_IMAGE: JUPYTER_IMAGE, BERTH_PYTHON: '/usr/bin/python3', BERTH_STOP_GRACE_SECONDS: '2', BERTH_KERNEL_IDLE_CULL_SECONDS: '0' };
    let server: Awaited<ReturnType<typeof startServerProcess>>;
    let session = '';
    let jupyter = '';
    const api = (method: string, path: string, body?: unknown) =>
      fetch(`${server.url}${path}`, { method, headers: { authorization: `Bearer ${ADMIN}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) }, body: body === undefined ? undefined : JSON.stringify(body) });
    const containers = async (service?: string) => ctx.docker.listContainers({ all: true, filters: { label: [`berth.owner.session=${session}`, ...(service ? [`berth.owner.service=${service}`] : [])] } });
    const kernelHosts = () => containers(`berth-kernels-${ENV}`);
    const socket = async (kernel: string) => {
      const ws = await openSocket(`${server.url.replace(/^http/, 'ws')}${jupyter}api/kernels/${kernel}/channels?session_id=${randomUUID()}`, { authorization: `Bearer ${ADMIN}` });
      assert.ok(ws instanceof WebSocket, `handshake answered ${String(ws)}`);
      return ws;
    };
    const run = async (kernel: string, code: string) => {
      const ws = await socket(kernel);
      try {
        const out = await execute(ws, code);
        assert.equal(out.error, null, out.stdout);
        return out.stdout.trim();
      } finally {
        ws.close();
      }
    };
    const startKernel = async (environment = ENV) => {
      const res = await api('POST', `${jupyter}api/kernels`, { name: `orchest-kernel-${environment}` });
      assert.equal(res.status, 201, await res.clone().text());
      return ((await res.json()) as { id: string }).id;
    };
    const kill = async (child: { kill: (s: NodeJS.Signals) => boolean; exitCode: number | null; signalCode: string | null } & NodeJS.EventEmitter) => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = once(child, 'exit');
      child.kill('SIGKILL');
      await exited;
    };

    before(async () => {
      const files = {
        ...notebookProjectFiles({ pipelineUuid: '61111111-2222-4333-8444-555555555555', env: ENV, baseImage: ENV_BASE_IMAGE }),
        [`.orchest/environments/${BROKEN}/properties.json`]: JSON.stringify({ name: 'No Python', base_image: `registry:${BUSYBOX_IMAGE}`, language: 'python' }),
      };
      for (const [rel, content] of Object.entries(files)) {
        mkdirSync(dirname(join(project, rel)), { recursive: true });
        writeFileSync(join(project, rel), content);
      }
      server = await startServerProcess(env);
      assert.equal((await api('POST', '/api/projects', { name: 'alpha', path: project })).status, 201);
      const started = await api('POST', '/api/projects/alpha/pipelines/p.orchest/session');
      assert.equal(started.status, 201, await started.clone().text());
      const view = (await started.json()) as { uuid: string; jupyter: { url: string } | null };
      assert.ok(view.jupyter);
      [session, jupyter] = [view.uuid, view.jupyter.url];
    });
    after(async () => {
      await api('DELETE', '/api/projects/alpha/pipelines/p.orchest/session').catch(() => undefined);
      await server?.stop();
      for (const c of await containers().catch(() => [])) await ctx.docker.getContainer(c.Id).remove({ force: true }).catch(() => undefined);
      rmSync(root, { recursive: true, force: true });
    });

    it("ends a kernel whose kernel host cannot start (an image without python3) within Jupyter's restarts, not after the relay's two minutes each, leaving no container", async () => {
      const started = Date.now();
      const kernel = await startKernel(BROKEN);
      const state = async () => {
        const res = await api('GET', `${jupyter}api/kernels/${kernel}`);
        return res.status === 404 ? 'gone' : ((await res.json()) as { execution_state?: string }).execution_state;
      };
      // Jupyter restarts a kernel that dies up to 5 times (one try every few seconds), then drops it (culling is off here).
      await eventually('Jupyter gives the kernel up', async () => ['dead', 'gone'].includes((await state()) ?? ''), 120_000);
      assert.ok(Date.now() - started < 120_000, `given up after ${Date.now() - started} ms`);
      await eventually('no container of that kernel host left', async () => (await containers(`berth-kernels-${BROKEN}`)).length === 0);
    });

    it('keeps a kernel host running through a killed server; the next server adopts it: same kernel, same container, removed after its last kernel', async () => {
      const kernel = await startKernel();
      const hostname = await run(kernel, 'x = 41\nimport socket\nprint(socket.gethostname())');
      const [host] = await kernelHosts();
      assert.ok(host);
      await kill(server.child);
      assert.equal((await ctx.docker.getContainer(host.Id).inspect()).State.Running, true, 'the kernel host outlives the killed server');
      server = await startServerProcess(env);
      assert.equal(await run(kernel, 'print(x + 1)\nprint(socket.gethostname())'), `42\n${hostname}`, 'the same kernel, with its state, in the same container');
      assert.deepEqual((await kernelHosts()).map((c) => c.Id), [host.Id]);
      assert.equal((await api('DELETE', `${jupyter}api/kernels/${kernel}`)).status, 204);
      await eventually('the adopted kernel host is removed once it has no kernel', async () => (await kernelHosts()).length === 0, 60_000);
    });

    it('removes the containers of a session whose `berth session stop` was killed half-way, when Berth starts again', async () => {
      await run(await startKernel(), 'print(1)');
      assert.equal((await kernelHosts()).length, 1);
      await kill(server.child);
      const stop = spawn(process.execPath, [join(REPO, 'bin', 'berth.ts'), 'session', 'stop', 'p.orchest'], { cwd: project, env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env }, stdio: 'ignore' });
      const status = () => {
        // Waits out the other processes' locks (CI saw SQLITE_BUSY_RECOVERY here: the CLI recovering the killed server's WAL).
        const db = new DatabaseSync(join(home, 'berth.db'), { readOnly: true, timeout: 5_000 });
        try {
          return (db.prepare('SELECT status FROM sessions WHERE uuid = ?').get(session) as { status: string } | undefined)?.status;
        } finally {
          db.close();
        }
      };
      await eventually('the CLI is stopping the session', () => status() === 'STOPPING', 60_000);
      await kill(stop);
      assert.ok((await containers()).length > 0, 'the killed stop left containers of the session');
      server = await startServerProcess(env);
      await eventually('no container of the session left', async () => (await containers()).length === 0, 60_000);
      const view = (await (await api('GET', '/api/projects/alpha/pipelines/p.orchest/session')).json()) as { status: string; reason: string | null };
      assert.equal(view.status, 'STOPPED');
      assert.match(view.reason ?? '', /berth process \(pid \d+\)/);
    });
  });
}
