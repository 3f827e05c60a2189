import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import WebSocket from 'ws';
import { ADMIN, TestServer } from '../helpers/berth-server.ts';
import { dockerTestContext, JUPYTER_IMAGE, KERNEL_BASE_IMAGE, skipWithoutImages } from '../helpers/docker-test-context.ts';
import { processesWith } from '../helpers/processes.ts';
import { eventually } from '../helpers/eventually.ts';
import { execute, openSocket } from '../helpers/jupyter-kernel-socket.ts';
import { notebookProjectFiles } from '../helpers/notebook-project.ts';

/**
 * Issue 16: the kernels of a session's Jupyter are culled when idle (BERTH_KERNEL_IDLE_CULL_SECONDS),
 * on the process runtime and on Docker, where the kernel host container of a culled kernel's
 * environment goes too (and comes back for the next kernel).
 */
const PYTHON = '/usr/bin/python3';
const hasJupyter = spawnSync(PYTHON, ['-c', 'import jupyter_server, ipykernel'], { stdio: 'ignore' }).status === 0;
// Long enough for a kernel to start and a client to connect on a busy machine (Jupyter culls a kernel still
// starting too, counting from its start): a kernel on Docker waits for its kernel host container first.
const cull = (seconds: number) => ({ BERTH_KERNEL_IDLE_CULL_SECONDS: String(seconds) });

/**
 * A test server whose project "alpha" (`files`) has its pipeline's session started (hooks of the
 * enclosing suite), and that session's Jupyter through Berth: start a kernel, list kernels, open a
 * kernel's websocket.
 */
function sessionWithJupyter(env: Record<string, string>, files: Record<string, string>) {
  const t = new TestServer();
  const base = '/api/projects/alpha/pipelines/p.orchest/session';
  const at = { url: '', session: '' };
  before(async () => {
    await t.start({ env: { BERTH_PYTHON: PYTHON, ...env } });
    await t.project('alpha', files);
    const started = await t.api('POST', base);
    assert.equal(started.status, 201, await started.clone().text());
    const view = (await started.json()) as { uuid: string; jupyter: { url: string } | null };
    assert.ok(view.jupyter);
    [at.url, at.session] = [view.jupyter.url, view.uuid];
  });
  after(async () => {
    await t.api('DELETE', base).catch(() => undefined);
    await t.close();
    t.cleanup();
  });
  return {
    t,
    at,
    stop: () => t.api('DELETE', base),
    start: async (name: string) => {
      const res = await t.api('POST', `${at.url}api/kernels`, { body: { name } });
      assert.equal(res.status, 201, await res.clone().text());
      return ((await res.json()) as { id: string }).id;
    },
    kernels: async () => ((await (await t.api('GET', `${at.url}api/kernels`)).json()) as Array<{ id: string }>).map((k) => k.id),
    socket: async (id: string) => {
      const ws = await openSocket(`${t.url.replace(/^http/, 'ws')}${at.url}api/kernels/${id}/channels?session_id=${randomUUID()}`, { authorization: `Bearer ${ADMIN}` });
      assert.ok(ws instanceof WebSocket, `handshake answered ${String(ws)}`);
      return ws;
    },
  };
}

describe('idle kernels are culled (process runtime, real Jupyter Server)', { skip: hasJupyter ? false : `${PYTHON} has no jupyter_server/ipykernel`, timeout: 300_000 }, () => {
  const jupyter = sessionWithJupyter(cull(15), notebookProjectFiles({ pipelineUuid: '41111111-2222-4333-8444-555555555555', env: 'env-one', baseImage: 'orchest/base-kernel-py' }));
  const { t } = jupyter;

  it('ends a kernel nobody uses after the idle time (its process too), and keeps one a client is connected to', async () => {
    const idle = await jupyter.start('orchest-kernel-env-one');
    const connected = await jupyter.start('orchest-kernel-env-one');
    const ws = await jupyter.socket(connected);
    try {
      assert.equal((await execute(ws, 'print(6 * 7)')).stdout.trim(), '42');
      const runtime = join(t.home, 'sessions', jupyter.at.session, 'jupyter', 'runtime');
      assert.equal(processesWith(join(runtime, `kernel-${idle}.json`)).length, 1, 'the idle kernel runs');
      await eventually('the idle kernel culled', async () => !(await jupyter.kernels()).includes(idle), 90_000);
      await eventually('its process ended', () => processesWith(join(runtime, `kernel-${idle}.json`)).length === 0);
      assert.ok((await jupyter.kernels()).includes(connected), 'a kernel with a connected client stays');
      assert.equal((await execute(ws, 'print(7 * 6)')).stdout.trim(), '42');
    } finally {
      ws.close();
    }
    const stopped = await eventually('kernel:stopped recorded for the culled kernel', async () => {
      const events = ((await (await t.api('GET', '/api/projects/alpha/events?type=project:pipeline:interactive-session:kernel:stopped')).json()) as { events: Array<{ project: { pipeline: { session: { kernel: { id: string } } } } }> }).events;
      return events.find((e) => e.project.pipeline.session.kernel.id === idle);
    });
    assert.ok(stopped);
  });
});

const ctx = await dockerTestContext('kernel culling on Docker');
const ENV = 'dddddddd-1111-4111-8111-000000000002';
const skip = await skipWithoutImages(ctx, [JUPYTER_IMAGE, KERNEL_BASE_IMAGE]);

if (ctx.available) {
  describe('idle kernels are culled on Docker, and their kernel host container goes', { skip, timeout: 600_000 }, () => {
    const jupyter = sessionWithJupyter({ BERTH_RUNTIME: 'docker', BERTH_JUPYTER_IMAGE: JUPYTER_IMAGE, ...cull(30) }, notebookProjectFiles({ pipelineUuid: '51111111-2222-4333-8444-555555555555', env: ENV, baseImage: KERNEL_BASE_IMAGE }));
    const containers = async (service?: string) => ctx.docker.listContainers({ all: true, filters: { label: [`berth.owner.session=${jupyter.at.session}`, ...(service ? [`berth.owner.service=${service}`] : [])] } });
    const hosts = () => containers(`berth-kernels-${ENV}`);

    it("culls an idle kernel, and its environment's kernel host container is removed with its last kernel", async () => {
      const kernel = await jupyter.start(`orchest-kernel-${ENV}`);
      const ws = await jupyter.socket(kernel);
      try {
        assert.equal((await execute(ws, 'print(6 * 7)')).stdout.trim(), '42');
      } finally {
        ws.close();
      }
      const running = await hosts();
      assert.deepEqual(running.map((c) => c.State), ['running'], 'the kernel host runs while the kernel does');
      await eventually('the idle kernel culled', async () => !(await jupyter.kernels()).includes(kernel), 120_000);
      await eventually('no kernel host container left (none running, none exited)', async () => (await hosts()).length === 0, 90_000);
    });

    it('starts the kernel host again for the next kernel, which runs code', async () => {
      const kernel = await jupyter.start(`orchest-kernel-${ENV}`);
      const ws = await jupyter.socket(kernel);
      try {
        const out = await execute(ws, 'import socket\nprint(socket.gethostname())');
        assert.equal(out.error, null, out.stdout);
        const [host] = await hosts();
        assert.ok(host, 'a kernel host runs again');
        assert.equal(out.stdout.trim(), (await ctx.docker.getContainer(host.Id).inspect()).Config.Hostname);
      } finally {
        ws.close();
      }
    });

    it('stopping the session leaves no container of it', async () => {
      assert.equal((await jupyter.stop()).status, 200);
      await eventually('no container of the session left', async () => (await containers()).length === 0);
    });
  });
}
