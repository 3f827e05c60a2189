import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import WebSocket from 'ws';
import { REPO } from '../helpers/berth-cli.ts';
import { Receiver } from '../helpers/receiver.ts';
import { eventually } from '../helpers/eventually.ts';
import { hostRequest } from '../helpers/host-request.ts';
import { execute, openSocket } from '../helpers/jupyter-kernel-socket.ts';
import { notebookProjectFiles } from '../helpers/notebook-project.ts';
import { notebookSession, type SessionAnswer } from '../helpers/notebook-session.ts';
import { processesWith } from '../helpers/processes.ts';
import { liveStateDirs } from '../../src/runtimes/process/live-state-dir.ts';

const PYTHON = '/usr/bin/python3';
const hasJupyter = spawnSync(PYTHON, ['-c', 'import jupyter_server, ipykernel'], { stdio: 'ignore' }).status === 0;

describe('Jupyter in an interactive session (process runtime, real Jupyter Server)', { skip: hasJupyter || process.env.CI === 'true' ? false : `${PYTHON} has no jupyter_server/ipykernel (apt-get install python3-jupyter-server python3-ipykernel)` }, () => {
  const nb = notebookSession({ pipelineUuid: '11111111-2222-4333-8444-555555555555', env: 'env-one', baseImage: 'orchest/base-kernel-py', python: PYTHON });
  const { t, base } = nb;
  /** The kernel of the environment that b.ipynb's session started (its events are asserted on by id: other kernels, e.g. the short-lived python3 one, may have events too). */
  let envKernelId = '';
  type KernelEvent = { type: string; project: { pipeline: { session: { uuid: string; kernel: { id: string; name: string; environment?: { uuid: string; name: string } } } } } };
  const kernelEvents = async () => ((await (await t.api('GET', '/api/projects/alpha/events?type=project:pipeline:interactive-session:kernel:', { token: nb.alpha })).json()) as { events: KernelEvent[] }).events;

  it("answers with jupyter.url, a path on Berth's server", () => {
    assert.ok(nb.session.jupyter, 'the session has a Jupyter server');
    assert.match(nb.session.jupyter.url, new RegExp(`^/api/projects/[0-9a-f-]{36}/services/berth-jupyter-${nb.session.uuid}/\\d+/$`));
    assert.equal(nb.session.jupyter.state, 'running');
    assert.ok(!JSON.stringify(nb.session).includes('JUPYTER_TOKEN'), "Jupyter's token is not in the answer");
    const cli = spawnSync(process.execPath, [join(REPO, 'bin', 'berth.ts'), 'session', 'status', 'p.orchest', '--json'], {
      cwd: nb.project, env: { PATH: process.env.PATH!, HOME: process.env.HOME!, BERTH_HOME: t.home }, encoding: 'utf8',
    });
    assert.equal(cli.status, 0, cli.stderr);
    assert.deepEqual(JSON.parse(cli.stdout).jupyter, nb.session.jupyter, 'the CLI answers the same jupyter.url');
  });

  it("lists one kernelspec per environment (display name = the environment's name, its interpreter) and the language kernels, with a Bearer token", async () => {
    const res = await t.api('GET', `${nb.jupyterUrl}api/kernelspecs`, { token: nb.alpha });
    assert.equal(res.status, 200, await res.clone().text());
    const specs = ((await res.json()) as { kernelspecs: Record<string, { spec: { display_name: string; argv: string[] } }> }).kernelspecs;
    const env = specs['orchest-kernel-env-one'];
    assert.ok(env, `kernelspecs: ${Object.keys(specs).join(', ')}`);
    assert.equal(env.spec.display_name, 'My Env');
    assert.match(env.spec.argv[0]!, new RegExp(`^${t.home}/venvs/env-one/[0-9a-f]+/bin/python$`), "the environment's virtual environment runs the kernel");
    assert.ok(specs.python3, 'the host language kernel (python3) is there too');
    const contents = await t.api('GET', `${nb.jupyterUrl}api/contents`, { token: nb.alpha });
    assert.equal(contents.status, 200);
    assert.ok(((await contents.json()) as { content: Array<{ name: string }> }).content.some((c) => c.name === 'b.ipynb'), 'rooted at the project');
  });

  it('refuses the REST API without a token (401), with another project\'s token (403) and never forwards the Berth token', async () => {
    const url = `${nb.jupyterUrl}api/kernelspecs`;
    assert.equal((await t.api('GET', url, { token: null })).status, 401);
    assert.equal((await t.api('GET', url, { token: nb.beta })).status, 403);
    assert.equal((await t.api('GET', url.replace(/\/api\/projects\/[^/]+\//, '/api/projects/beta/'), { token: nb.beta })).status, 404);
    // Jupyter's own token is not the user's business: a guessed one is replaced by Berth's (and alone gets nowhere).
    assert.equal((await t.api('GET', url, { token: null, headers: { authorization: 'token guessed' } })).status, 401);
    const log = readFileSync(join(t.home, 'sessions', nb.session.uuid, 'berth-jupyter.log'), 'utf8');
    assert.ok(!log.includes(nb.alpha), "the user's Berth token never reaches Jupyter");
  });

  it("hands a browser over to its own origin with a one-time ticket (as services do), and there Jupyter answers to Berth's service session cookie", async () => {
    // berth-jupyter-<session uuid>--<project>--<port> is longer than a DNS label (63): the short host (decision 0008, amendment).
    const open = await t.api('GET', `${nb.jupyterUrl.replace(/\/\d+\/$/, '')}/open?port=${/\/(\d+)\/$/.exec(nb.jupyterUrl)![1]}`, { token: nb.alpha });
    assert.equal(open.status, 303, await open.clone().text());
    const location = new URL(String(open.headers.get('location')));
    const port = /\/(\d+)\/$/.exec(nb.jupyterUrl)![1];
    assert.ok(`berth-jupyter-${nb.session.uuid}--alpha--${port}`.length > 63);
    assert.match(location.hostname, /^s-[a-z2-7]{26}\.localhost$/);
    const host = `${location.hostname}:${new URL(t.url).port}`;
    const redeemed = await hostRequest(`${t.url}${location.pathname}${location.search}`, host);
    const cookie = String(redeemed.headers['set-cookie']).split(';')[0]!;
    assert.match(cookie, /^berth_service_session=/);
    const specs = await hostRequest(`${t.url}/api/kernelspecs`, host, { cookie });
    assert.equal(specs.status, 200, specs.body);
    assert.ok(JSON.parse(specs.body).kernelspecs['orchest-kernel-env-one']);
    assert.equal((await hostRequest(`${t.url}/api/kernelspecs`, host)).status, 401, 'no cookie: refused');
    assert.equal((await hostRequest(`${t.url}/api/kernelspecs`, host, { authorization: `Bearer ${nb.beta}` })).status, 403, "another project's token on the short host: refused");
    // Jupyter's websockets on the short host, with the service session cookie (same origin).
    const origin = `http://${host}`;
    const started = await hostRequest(`${t.url}/api/kernels`, host, { cookie, origin, 'content-type': 'application/json' }, 'POST', JSON.stringify({ name: 'python3' }));
    assert.equal(started.status, 201, started.body);
    const kernel = (JSON.parse(started.body) as { id: string }).id;
    const wsUrl = `${t.url.replace(/^http/, 'ws')}/api/kernels/${kernel}/channels?session_id=${randomUUID()}`;
    assert.equal(await openSocket(wsUrl, { host, origin }), 401, 'no cookie: the websocket is refused');
    const ws = await openSocket(wsUrl, { host, origin, cookie });
    assert.ok(ws instanceof WebSocket, `handshake answered ${String(ws)}`);
    try {
      assert.equal((await execute(ws, 'print(6 * 7)')).stdout.trim(), '42');
    } finally {
      ws.close();
      await hostRequest(`${t.url}/api/kernels/${kernel}`, host, { cookie, origin }, 'DELETE');
    }
  });

  it("runs `import orchest; orchest.get_inputs()` in the environment's kernel over the websocket and sees the last run's outputs", async () => {
    const created = await t.api('POST', `${nb.jupyterUrl}api/sessions`, { token: nb.alpha, body: { path: 'b.ipynb', type: 'notebook', name: 'b.ipynb', kernel: { name: 'orchest-kernel-env-one' } } });
    assert.equal(created.status, 201, await created.clone().text());
    const kernel = ((await created.json()) as { kernel: { id: string } }).kernel.id;
    envKernelId = kernel;
    const wsUrl = nb.kernelSocketUrl(kernel);
    assert.equal(await openSocket(wsUrl, {}), 401, 'no token: refused');
    assert.equal(await openSocket(wsUrl, { authorization: `Bearer ${nb.beta}` }), 403, "another project's token: refused");
    const ws = await openSocket(wsUrl, { authorization: `Bearer ${nb.alpha}` });
    assert.ok(ws instanceof WebSocket, `handshake answered ${String(ws)}`);
    try {
      const out = await execute(ws, 'import sys, orchest\nprint(sys.prefix)\nprint(orchest.get_inputs())');
      assert.equal(out.error, null, out.stdout);
      const [prefix, inputs] = out.stdout.trim().split('\n');
      assert.match(prefix!, new RegExp(`^${t.home}/venvs/env-one/`), "the kernel runs in the environment's virtual environment");
      assert.equal(inputs, "{'unnamed': [], 'x': {'answer': 42}}");
    } finally {
      ws.close();
    }
    assert.ok(processesWith(join(t.home, 'sessions', nb.session.uuid, 'jupyter', 'runtime', 'kernel-')).length > 0, 'the kernel runs as a process of this session');
  });

  it('records kernel:started / kernel:stopped for the kernels of the session\'s Jupyter, naming the environment, for webhook subscribers', async () => {
    const receiver = new Receiver();
    const hookUrl = await receiver.listen();
    try {
      const created = await t.api('POST', '/api/webhooks', { body: { name: 'kernels', url: hookUrl, subscriptions: [{ event_type: 'project:pipeline:interactive-session:kernel:started' }, { event_type: 'project:pipeline:interactive-session:kernel:stopped' }] } });
      assert.equal(created.status, 201, await created.clone().text());
      // By id: the python3 kernel of the hand-off test may have been seen by a poll too, and the newest
      // `started` is not this kernel's until the watcher's next poll (every 2 s) has seen it.
      const envKernel = await eventually('the kernel started through api/sessions recorded', async () => (await kernelEvents()).find((e) => e.type.endsWith(':started') && e.project.pipeline.session.kernel.id === envKernelId), 60_000);
      assert.equal(envKernel.project.pipeline.session.uuid, nb.session.uuid);
      assert.deepEqual(envKernel.project.pipeline.session.kernel.environment, { uuid: 'env-one', name: 'My Env' });
      assert.equal(envKernel.project.pipeline.session.kernel.name, 'orchest-kernel-env-one');
      const started = await t.api('POST', `${nb.jupyterUrl}api/kernels`, { token: nb.alpha, body: { name: 'orchest-kernel-env-one' } });
      assert.equal(started.status, 201, await started.clone().text());
      const id = ((await started.json()) as { id: string }).id;
      await eventually('kernel:started of the second kernel', async () => (await kernelEvents()).find((e) => e.type.endsWith(':started') && e.project.pipeline.session.kernel.id === id), 60_000);
      assert.equal((await t.api('DELETE', `${nb.jupyterUrl}api/kernels/${id}`, { token: nb.alpha })).status, 204);
      const stopped = await eventually('kernel:stopped of the second kernel', async () => (await kernelEvents()).find((e) => e.type.endsWith(':stopped') && e.project.pipeline.session.kernel.id === id), 60_000);
      assert.deepEqual(stopped.project.pipeline.session.kernel, { id, name: 'orchest-kernel-env-one', environment: { uuid: 'env-one', name: 'My Env' } });
      await receiver.waitFor((r) => r.some((x) => x.body.includes(`"id":"${id}"`) && x.body.includes('kernel:stopped')), 'kernel:stopped delivered', 60_000);
      const delivered = receiver.received.map((r) => (JSON.parse(r.body) as { event: { type: string } }).event.type);
      assert.ok(delivered.includes('project:pipeline:interactive-session:kernel:started'), delivered.join(', '));
    } finally {
      await t.api('DELETE', '/api/webhooks/kernels').catch(() => undefined);
      await receiver.close();
    }
  });

  it('a restarted Berth server proxies to the same Jupyter server and its kernels (the session outlives the server), and records the stop of a kernel that ended meanwhile', async () => {
    const kernels = async () => ((await (await t.api('GET', `${nb.jupyterUrl}api/kernels`, { token: nb.alpha })).json()) as Array<{ id: string }>).map((k) => k.id);
    const before = await kernels();
    assert.equal(before.length, 1);
    const started = await t.api('POST', `${nb.jupyterUrl}api/kernels`, { token: nb.alpha, body: { name: 'python3' } });
    assert.equal(started.status, 201, await started.clone().text());
    const gone = ((await started.json()) as { id: string }).id;
    await eventually('kernel:started of the kernel that ends while no server runs', async () => (await kernelEvents()).find((e) => e.type.endsWith(':started') && e.project.pipeline.session.kernel.id === gone), 60_000);
    await nb.restartServer(async () => {
      // While no Berth server runs, the kernel ends (asked of Jupyter directly, with its own token).
      const runtime = join(t.home, 'sessions', nb.session.uuid, 'jupyter', 'runtime');
      const info = JSON.parse(readFileSync(join(runtime, readdirSync(runtime).find((f) => /^jpserver-\d+\.json$/.test(f))!), 'utf8')) as { url: string; token: string };
      const res = await fetch(`${info.url}api/kernels/${gone}`, { method: 'DELETE', headers: { authorization: `token ${info.token}` } });
      assert.equal(res.status, 204);
    });
    const status = (await (await t.api('GET', base, { token: nb.alpha })).json()) as SessionAnswer & { status: string };
    assert.deepEqual([status.status, status.jupyter?.url, status.jupyter?.state], ['RUNNING', nb.jupyterUrl, 'running']);
    assert.deepEqual(await kernels(), before);
    // The new server knew that kernel only from the events an earlier server recorded.
    await eventually('kernel:stopped of the kernel that ended while no server ran', async () => (await kernelEvents()).find((e) => e.type.endsWith(':stopped') && e.project.pipeline.session.kernel.id === gone), 60_000);
  });

  it('stopping the session leaves no Jupyter server and no kernel process', async () => {
    const jupyterDir = join(t.home, 'sessions', nb.session.uuid, 'jupyter');
    const server = processesWith(`--ServerApp.root_dir=${nb.project}`);
    assert.ok(server.length > 0, 'the Jupyter server runs before the stop');
    const stopped = await t.api('DELETE', base, { token: nb.alpha });
    assert.equal(stopped.status, 200);
    await eventually('no Jupyter server or kernel process left', () => processesWith(`--ServerApp.root_dir=${nb.project}`).length === 0 && processesWith(join(jupyterDir, 'runtime', 'kernel-')).length === 0);
    // (The proxy caches a route briefly: until then the stopped server answers 502, never Jupyter.)
    await eventually('the path is gone with the session (404)', async () => (await t.api('GET', `${nb.jupyterUrl}api/kernelspecs`, { token: nb.alpha })).status === 404);
    assert.ok(existsSync(join(jupyterDir, 'data', 'kernels', 'orchest-kernel-env-one', 'kernel.json')));
    // The kernel still running at the stop is recorded stopped, before the session; its start was recorded once (not again by the restarted server).
    const events = (await kernelEvents()).reverse();
    assert.deepEqual(events.filter((e) => e.project.pipeline.session.kernel.id === envKernelId).map((e) => e.type.split(':').pop()), ['started', 'stopped']);
    const all = (await (await t.api('GET', '/api/projects/alpha/events?type=project:pipeline:interactive-session:', { token: nb.alpha })).json()) as { events: Array<{ type: string }> };
    const order = all.events.map((e) => e.type).reverse();
    assert.ok(order.lastIndexOf('project:pipeline:interactive-session:kernel:stopped') < order.lastIndexOf('project:pipeline:interactive-session:stopped'), order.join(', '));
  });
});

describe('a session where Jupyter cannot start', () => {
  it('starts without Jupyter, saying why and what to install; BERTH_SESSION_JUPYTER=off says so', () => {
    const root = mkdtempSync(join(tmpdir(), 'berth-nojupyter-'));
    try {
      mkdirSync(join(root, 'proj', '.orchest'), { recursive: true });
      writeFileSync(join(root, 'proj', 'p.orchest'), JSON.stringify({ ...JSON.parse(notebookProjectFiles({ pipelineUuid: '11111111-2222-4333-8444-555555555555', env: 'env-one', baseImage: 'x' })['p.orchest']!), steps: {} }));
      const berth = (env: Record<string, string>, ...args: string[]) => spawnSync(process.execPath, [join(REPO, 'bin', 'berth.ts'), ...args], {
        cwd: join(root, 'proj'), env: { PATH: process.env.PATH!, HOME: process.env.HOME!, BERTH_HOME: join(root, 'home'), BERTH_STOP_GRACE_SECONDS: '2', ...env }, encoding: 'utf8',
      });
      for (const [env, why] of [[{ BERTH_JUPYTER_PYTHON: '/bin/false' }, /jupyter: not started: no Jupyter Server for interactive sessions \(tried \/bin\/false\): install it \(Debian: apt-get install python3-jupyter-server/], [{ BERTH_SESSION_JUPYTER: 'off' }, /jupyter: not started: BERTH_SESSION_JUPYTER=off/]] as const) {
        const start = berth(env, 'session', 'start', 'p.orchest', '--json');
        assert.equal(start.status, 0, start.stderr);
        assert.match(start.stderr, why);
        const view = JSON.parse(start.stdout) as { status: string; jupyter: unknown };
        assert.deepEqual([view.status, view.jupyter], ['RUNNING', null]);
        assert.equal(berth(env, 'session', 'stop', 'p.orchest').status, 0);
      }
      const bad = berth({ BERTH_SESSION_JUPYTER: 'maybe' }, 'session', 'start', 'p.orchest');
      assert.equal(bad.status, 2, bad.stderr);
      assert.match(bad.stderr, /BERTH_SESSION_JUPYTER=maybe is not one of auto, off/);
    } finally {
      const launcher = processesWith(liveStateDirs({ home: join(root, 'home') }).dir);
      for (const pid of launcher) process.kill(pid, 'SIGTERM');
      rmSync(root, { recursive: true, force: true });
    }
  });
});
