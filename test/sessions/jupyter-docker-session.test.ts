import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import WebSocket from 'ws';
import { dockerTestContext, JUPYTER_IMAGE, KERNEL_BASE_IMAGE, JS_KERNEL_IMAGE, R_KERNEL_IMAGE, skipWithoutImages } from '../helpers/docker-test-context.ts';
import { eventually } from '../helpers/eventually.ts';
import { execute, openSocket } from '../helpers/jupyter-kernel-socket.ts';
import { notebookSession } from '../helpers/notebook-session.ts';

const ENV_BASE_IMAGE = KERNEL_BASE_IMAGE;
const ENV = 'dddddddd-1111-4111-8111-000000000001';
const R_ENV = 'dddddddd-1111-4111-8111-000000000002';
const JS_ENV = 'dddddddd-1111-4111-8111-000000000003';
const ctx = await dockerTestContext('Jupyter in a Docker session');
const skip = await skipWithoutImages(ctx, [JUPYTER_IMAGE, ENV_BASE_IMAGE]);
// The R and JavaScript environments (and their cases) only where their images could be built (R and IRkernel installed; tslab from npm).
const skipR = skip || (await skipWithoutImages(ctx, [R_KERNEL_IMAGE]));
const skipJs = skip || (await skipWithoutImages(ctx, [JS_KERNEL_IMAGE]));
const languageEnvs = [
  ...(skipR ? [] : [{ uuid: R_ENV, language: 'r' as const, baseImage: R_KERNEL_IMAGE }]),
  ...(skipJs ? [] : [{ uuid: JS_ENV, language: 'javascript' as const, baseImage: JS_KERNEL_IMAGE }]),
];

if (ctx.available) {
  describe('Jupyter in an interactive session on Docker (real Jupyter Server container, kernels in the environment image)', { skip, timeout: 600_000 }, () => {
    // The last run of the pipeline (process runtime: fast): step A's output is what B's notebook reads.
    const nb = notebookSession({ pipelineUuid: '21111111-2222-4333-8444-555555555555', env: ENV, baseImage: ENV_BASE_IMAGE, languageEnvs, serverEnv: { BERTH_RUNTIME: 'docker', BERTH_JUPYTER_IMAGE: JUPYTER_IMAGE } });
    const { t, base } = nb;
    let kernel = '';
    const containers = async (labels: string[]) => ctx.docker.listContainers({ all: true, filters: { label: labels } });

    it("answers with jupyter.url and lists the environment's kernelspec to a Bearer token only", async () => {
      assert.ok(nb.session.jupyter, 'the Docker session has a Jupyter server');
      assert.equal(nb.session.jupyter.state, 'running');
      const jupyter = await containers([`berth.owner.session=${nb.session.uuid}`, 'berth.owner.service=berth-jupyter']);
      assert.equal(jupyter.length, 1, 'Jupyter runs as a container of the session');
      assert.equal(jupyter[0]!.Image, JUPYTER_IMAGE);
      const url = `${nb.jupyterUrl}api/kernelspecs`;
      assert.equal((await t.api('GET', url, { token: null })).status, 401);
      assert.equal((await t.api('GET', url, { token: nb.beta })).status, 403);
      const res = await t.api('GET', url, { token: nb.alpha });
      assert.equal(res.status, 200);
      const specs = ((await res.json()) as { kernelspecs: Record<string, { spec: { display_name: string } }> }).kernelspecs;
      assert.equal(specs[`orchest-kernel-${ENV}`]?.spec.display_name, 'My Env');
    });

    it("runs `import socket, orchest` in a kernel of the environment's image on the session network and sees the last run's outputs", async () => {
      const created = await t.api('POST', `${nb.jupyterUrl}api/sessions`, { token: nb.alpha, body: { path: 'b.ipynb', type: 'notebook', name: 'b.ipynb', kernel: { name: `orchest-kernel-${ENV}` } } });
      assert.equal(created.status, 201, await created.clone().text());
      kernel = ((await created.json()) as { kernel: { id: string } }).kernel.id;
      const wsUrl = nb.kernelSocketUrl(kernel);
      assert.equal(await openSocket(wsUrl, {}), 401, 'no token: refused');
      assert.equal(await openSocket(wsUrl, { authorization: `Bearer ${nb.beta}` }), 403, "another project's token: refused");
      const ws = await openSocket(wsUrl, { authorization: `Bearer ${nb.alpha}` });
      assert.ok(ws instanceof WebSocket, `handshake answered ${String(ws)}`);
      let out: { stdout: string; error: string | null };
      try {
        out = await execute(ws, 'import socket, orchest\nprint(socket.gethostname())\nprint(orchest.get_inputs())');
      } finally {
        ws.close();
      }
      assert.equal(out.error, null, out.stdout);
      const [host, inputs] = out.stdout.trim().split('\n');
      const kernelHost = await containers([`berth.owner.session=${nb.session.uuid}`, `berth.owner.service=berth-kernels-${ENV}`]);
      assert.equal(kernelHost.length, 1, "the environment's kernel container runs");
      const info = await ctx.docker.getContainer(kernelHost[0]!.Id).inspect();
      assert.equal(host, info.Config.Hostname, "the kernel runs in the environment's container");
      assert.match(info.Config.Image, new RegExp(`^berth-env/${ENV}:`), "that container is of the environment's image");
      assert.ok(Object.keys(info.NetworkSettings.Networks).includes(`berth-session-${nb.session.uuid}`), 'on the session network');
      assert.equal(inputs, "{'unnamed': [], 'x': {'answer': 42}}");
    });

    it('restarts the kernel through Jupyter: a fresh kernel process in the same container answers', async () => {
      const restarted = await t.api('POST', `${nb.jupyterUrl}api/kernels/${kernel}/restart`, { token: nb.alpha });
      assert.equal(restarted.status, 200, await restarted.clone().text());
      const ws = await openSocket(nb.kernelSocketUrl(kernel), { authorization: `Bearer ${nb.alpha}` });
      assert.ok(ws instanceof WebSocket, `handshake answered ${String(ws)}`);
      try {
        const out = await execute(ws, 'print("socket" in dir())');
        assert.deepEqual([out.error, out.stdout.trim()], [null, 'False'], 'a new kernel: the earlier import is gone');
      } finally {
        ws.close();
      }
    });

    it('shutting the kernel down through Jupyter ends its process in the kernel host and withdraws its request', async () => {
      const kernelHost = (await containers([`berth.owner.session=${nb.session.uuid}`, `berth.owner.service=berth-kernels-${ENV}`]))[0]!;
      const kernelProcesses = () => spawnSync('docker', ['exec', kernelHost.Id, 'ps'], { encoding: 'utf8' }).stdout.split('\n').filter((l) => l.includes(`kernel-${kernel}.json`));
      assert.equal(kernelProcesses().length, 1, 'the kernel runs in the kernel host');
      const res = await t.api('DELETE', `${nb.jupyterUrl}api/kernels/${kernel}`, { token: nb.alpha });
      assert.equal(res.status, 204, await res.clone().text());
      const requests = join(t.home, 'sessions', nb.session.uuid, 'jupyter', 'kernels', ENV);
      await eventually('the kernel process ended and its request is gone', () => kernelProcesses().length === 0 && readdirSync(requests).length === 0);
      const left = (await (await t.api('GET', `${nb.jupyterUrl}api/kernels`, { token: nb.alpha })).json()) as unknown[];
      assert.deepEqual(left, []);
      // With its last kernel gone the kernel host exits after a while, and Berth removes its container (decision 0021).
      await eventually('the kernel host container removed', async () => (await containers([`berth.owner.session=${nb.session.uuid}`, `berth.owner.service=berth-kernels-${ENV}`])).length === 0, 60_000);
    });

    /** Starts a kernel of an environment for a notebook through Jupyter's REST API and opens its channels with a Bearer token. */
    const openKernel = async (env: string, path: string) => {
      const created = await t.api('POST', `${nb.jupyterUrl}api/sessions`, { token: nb.alpha, body: { path, type: 'notebook', name: path, kernel: { name: `orchest-kernel-${env}` } } });
      assert.equal(created.status, 201, await created.clone().text());
      const id = ((await created.json()) as { kernel: { id: string } }).kernel.id;
      const ws = await openSocket(nb.kernelSocketUrl(id), { authorization: `Bearer ${nb.alpha}` });
      assert.ok(ws instanceof WebSocket, `handshake answered ${String(ws)}`);
      return { id, ws };
    };
    /**
     * Runs `code`, which prints the hostname and then words, on the kernel; asserts that the hostname is
     * the environment's kernel host container (of the environment's image); returns the words.
     */
    const wordsFromKernelHost = async (env: string, ws: WebSocket, code: string) => {
      const out = await execute(ws, code);
      assert.equal(out.error, null, out.stdout);
      const [host, ...words] = out.stdout.trim().split(' ');
      const found = await containers([`berth.owner.session=${nb.session.uuid}`, `berth.owner.service=berth-kernels-${env}`]);
      assert.equal(found.length, 1, "the environment's kernel container runs");
      const info = await ctx.docker.getContainer(found[0]!.Id).inspect();
      assert.equal(host, info.Config.Hostname, "the kernel runs in the environment's container");
      assert.match(info.Config.Image, new RegExp(`^berth-env/${env}:`));
      return words;
    };
    const kernelspec = async (env: string) => {
      const specs = ((await (await t.api('GET', `${nb.jupyterUrl}api/kernelspecs`, { token: nb.alpha })).json()) as { kernelspecs: Record<string, { spec: { display_name: string; language: string } }> }).kernelspecs;
      const spec = specs[`orchest-kernel-${env}`]?.spec;
      return [spec?.display_name, spec?.language.toLowerCase()];
    };

    it("runs R in a kernel of the R environment's image (IRkernel), with /data, the project and ORCHEST_* there; Orchest's reticulate path reaches the SDK", { skip: skipR }, async () => {
      assert.deepEqual(await kernelspec(R_ENV), ['My R Env', 'r'], 'the R environment has its kernelspec');
      const { id, ws } = await openKernel(R_ENV, 'r.ipynb');
      try {
        const words = await wordsFromKernelHost(R_ENV, ws, 'cat(Sys.info()[["nodename"]]); cat("", file.exists("/data"), file.exists("/project-dir/p.orchest"), Sys.getenv("ORCHEST_PROJECT_UUID") != "", R.version$language, "\\n")');
        assert.deepEqual(words, ['TRUE', 'TRUE', 'TRUE', 'R']);
        // Orchest's R notebooks reached the SDK through reticulate: the notebook's step (after A) sees A's output.
        const sdk = await execute(ws, 'orchest <- reticulate::import("orchest"); cat(orchest$get_inputs()$x$answer)');
        assert.deepEqual([sdk.error, sdk.stdout], [null, '42']);
        // Jupyter interrupts IRkernel by SIGINT: the relay passes it on through the kernel host.
        const started = Date.now();
        const sleeping = execute(ws, 'Sys.sleep(120)');
        await new Promise((r) => setTimeout(r, 1500));
        const interrupted = await t.api('POST', `${nb.jupyterUrl}api/kernels/${id}/interrupt`, { token: nb.alpha });
        assert.equal(interrupted.status, 204, await interrupted.clone().text());
        await sleeping;
        assert.ok(Date.now() - started < 60_000, `interrupted after ${Date.now() - started} ms`);
        const after = await execute(ws, 'cat("still here")');
        assert.deepEqual([after.error, after.stdout], [null, 'still here'], 'the same kernel answers after the interrupt');
      } finally {
        ws.close();
      }
    });

    it("runs JavaScript in a kernel of the JavaScript environment's image (tslab), with /data, the project and ORCHEST_* there", { skip: skipJs }, async () => {
      assert.deepEqual(await kernelspec(JS_ENV), ['My JS Env', 'javascript'], 'the JavaScript environment has its kernelspec');
      const { ws } = await openKernel(JS_ENV, 'js.ipynb');
      try {
        const words = await wordsFromKernelHost(JS_ENV, ws, 'const fs = require("fs");\nconsole.log(require("os").hostname(), fs.existsSync("/data"), fs.existsSync("/project-dir/p.orchest"), process.env.ORCHEST_PROJECT_UUID !== undefined)');
        assert.deepEqual(words, ['true', 'true', 'true']);
      } finally {
        ws.close();
      }
    });

    it('stopping the session leaves no container of it', async () => {
      assert.equal((await containers([`berth.owner.session=${nb.session.uuid}`, 'berth.owner.service=berth-jupyter'])).length, 1);
      const stopped = await t.api('DELETE', base, { token: nb.alpha });
      assert.equal(stopped.status, 200);
      await eventually('no container of the session left', async () => (await containers([`berth.owner.session=${nb.session.uuid}`])).length === 0);
    });
  });
}
