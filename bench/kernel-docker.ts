/**
 * Kernel ready in a Docker environment (issue 16's ≤ 1.2x): on a warm `berth server` process with a
 * running Docker session, `POST <jupyter.url>api/kernels` of the environment's kernelspec until an
 * execute_request of `1+1` over the kernel websocket (Bearer) gets its execute_reply — the first
 * kernel of the environment (its kernel host container starts, decision 0021) and a second one while
 * that host runs — against a bare `docker run --rm` of the same image starting ipykernel, its ports
 * published on 127.0.0.1, until a jupyter_client (Python) gets the execute_reply of `1+1`
 * (bench/lib/bare-kernel.py). After each Berth repetition the kernels are shut down and the kernel
 * host is waited for until it is gone (not timed), so every first kernel starts a cold host. One
 * untimed warm-up of each, then K alternating repetitions; medians and per-repetition ratios.
 *
 *   node bench/kernel-docker.ts [--reps 5] [--image berth-test/orchest-base-kernel-py:2] [--jupyter-image berth-test/jupyter:1] [--python /usr/bin/python3]
 */
import { execFile, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { parseArgs } from 'node:util';
import WebSocket from 'ws';
import { alternate } from './lib/alternate.ts';
import { median, ms, ratio } from './lib/stats.ts';
import { emitSummary, verdict, type SummaryRow } from './lib/summary.ts';
import { startServerProcess } from '../test/helpers/berth-server-process.ts';

const RATIO_TARGET = 1.2;
const ADMIN = 'bench-admin-token-0123456789abcdef';
const ENV = 'bbbbbbbb-0000-4000-8000-00000000000e';
const PIPELINE = 'eeeeeeee-0000-4000-8000-00000000000d';
const TIMEOUT_MS = 5 * 60_000;
const run = promisify(execFile);

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      reps: { type: 'string', default: '5' },
      image: { type: 'string', default: 'berth-test/orchest-base-kernel-py:2' },
      'jupyter-image': { type: 'string', default: 'berth-test/jupyter:1' },
      python: { type: 'string', default: '/usr/bin/python3' },
    },
  });
  const reps = Number(values.reps);
  for (const image of [values.image, values['jupyter-image']]) {
    if (!(await run('docker', ['image', 'inspect', image]).then(() => true, () => false))) {
      console.error(`kernel-docker: image ${image} is missing (bash scripts/start-docker.sh && bash scripts/build-test-images.sh)`);
      return 2;
    }
  }
  const root = mkdtempSync(join(tmpdir(), 'berth-bench-kernel-'));
  const project = join(root, 'project');
  writeProject(project, values.image);
  const server = await startServerProcess({ BERTH_HOME: join(root, 'home'), BERTH_ADMIN_TOKEN: ADMIN, BERTH_STOP_GRACE_SECONDS: '2', BERTH_RUNTIME: 'docker', BERTH_JUPYTER_IMAGE: values['jupyter-image'], BERTH_PYTHON: values.python });
  const api = async (method: string, path: string, body?: unknown): Promise<Response> =>
    fetch(`${server.url}${path}`, { method, headers: { authorization: `Bearer ${ADMIN}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) }, body: body === undefined ? undefined : JSON.stringify(body) });
  const sessionPath = '/api/projects/bench/pipelines/p.orchest/session';
  const first: number[] = [];
  const second: number[] = [];
  const bare: number[] = [];
  const failures: string[] = [];
  let sessionUuid = '';
  try {
    if ((await api('POST', '/api/projects', { name: 'bench', path: project })).status !== 201) throw new Error('could not register the project');
    const started = await api('POST', sessionPath, {});
    const view = (await started.json()) as { uuid: string; jupyter?: { url: string; state: string } | null };
    if (started.status !== 201 || view.jupyter?.state !== 'running') throw new Error(`session start: ${started.status} ${JSON.stringify(view).slice(0, 500)}`);
    sessionUuid = view.uuid;
    const jupyter = `${server.url}${view.jupyter.url}`;
    const envImage = kernelImage(join(root, 'home'), sessionUuid);
    const hostLabels = [`berth.owner.session=${sessionUuid}`, `berth.owner.service=berth-kernels-${ENV}`];

    /** POST api/kernels, then the websocket, until execute_reply of `1+1`: ms, and the kernel's id. */
    const kernelReady = async (): Promise<{ wall: number; id: string }> => {
      const t0 = process.hrtime.bigint();
      const res = await fetch(`${jupyter}api/kernels`, { method: 'POST', headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' }, body: JSON.stringify({ name: `orchest-kernel-${ENV}` }) });
      if (res.status !== 201) throw new Error(`POST api/kernels: ${res.status} ${await res.text()}`);
      const { id } = (await res.json()) as { id: string };
      await executeOverSocket(`${jupyter.replace(/^http/, 'ws')}api/kernels/${id}/channels?session_id=${randomUUID()}`, ADMIN, '1+1');
      return { wall: Number(process.hrtime.bigint() - t0) / 1e6, id };
    };
    const runBerth = async (): Promise<void> => {
      const ids: string[] = [];
      try {
        const cold = await kernelReady();
        ids.push(cold.id);
        const warm = await kernelReady();
        ids.push(warm.id);
        first.push(cold.wall);
        second.push(warm.wall);
      } catch (e) {
        failures.push(`berth: ${e instanceof Error ? e.message : String(e)}`);
      } finally {
        for (const id of ids) await (await fetch(`${jupyter}api/kernels/${id}`, { method: 'DELETE', headers: { authorization: `Bearer ${ADMIN}` } })).body?.cancel();
        // The host lingers 10 s after its last kernel, then the launcher removes it: the next first kernel is cold.
        await waitUntil('the kernel host container is gone', async () => (await containers(hostLabels)).length === 0);
      }
    };
    const runBare = async (): Promise<void> => {
      const out = await spawnCollect(values.python, [join(import.meta.dirname, 'lib', 'bare-kernel.py'), envImage, String(TIMEOUT_MS / 1000)]);
      const line = JSON.parse(out.trim().split('\n').pop() || '{}') as { ms?: number; error?: string };
      if (typeof line.ms === 'number') bare.push(line.ms);
      else failures.push(`bare: ${line.error ?? out.slice(-300)}`);
    };
    console.log(`kernel-docker: POST api/kernels → execute_reply of 1+1 on a warm berth server (Docker session, environment of ${values.image}, kernel host image ${envImage}) vs docker run --rm ${envImage} python3 -m ipykernel_launcher → execute_reply (jupyter_client); K=${reps} alternating, medians`);
    await alternate(reps, runBare, runBerth, () => ((first.length = 0), (second.length = 0), (bare.length = 0)));
  } finally {
    if (sessionUuid) await (await api('DELETE', sessionPath)).body?.cancel();
    await server.stop();
    rmSync(root, { recursive: true, force: true });
  }
  for (const f of failures) console.error(`FAILED: ${f}`);
  const f = median(first);
  const s = median(second);
  const b = median(bare);
  const paired = first.length === bare.length ? first.map((x, k) => x / bare[k]!) : [];
  const list = (xs: number[]) => xs.map((x) => x.toFixed(0)).join(', ');
  console.log(`berth first kernel (cold kernel host)   median ${ms(f, 0)}  (${list(first)} ms)`);
  console.log(`berth second kernel (warm kernel host)  median ${ms(s, 0)}  (${list(second)} ms)`);
  console.log(`bare docker run + ipykernel             median ${ms(b, 0)}  (${list(bare)} ms)`);
  console.log(`first / bare                            ${ratio(f, b)}  (target <= ${RATIO_TARGET}x); per repetition: ${paired.map((r) => `${r.toFixed(2)}x`).join(', ') || 'n/a'} (median ${ratio(median(paired), 1)})`);
  console.log(`second / bare                           ${ratio(s, b)}  (info)`);
  const rows: SummaryRow[] = [
    { bench: 'kernel-docker', metric: 'first kernel ready: berth/docker run', value: `${ratio(f, b)} (${ms(f, 0)} / ${ms(b, 0)}; paired ${ratio(median(paired), 1)})`, target: `≤ ${RATIO_TARGET}x`, verdict: failures.length ? 'failed' : verdict(f / b, RATIO_TARGET) },
    { bench: 'kernel-docker', metric: 'second kernel ready (warm host): berth/docker run', value: `${ratio(s, b)} (${ms(s, 0)} / ${ms(b, 0)})`, target: '-', verdict: 'info' },
  ];
  emitSummary(rows);
  return failures.length > 0 ? 1 : 0;
}

/** A project with pipeline p.orchest (no steps) and one Python environment of `image`. */
function writeProject(dir: string, image: string): void {
  mkdirSync(join(dir, '.orchest', 'environments', ENV), { recursive: true });
  writeFileSync(join(dir, 'p.orchest'), JSON.stringify({ name: 'p', uuid: PIPELINE, version: '1.2.3', parameters: {}, settings: {}, steps: {}, services: {} }));
  writeFileSync(join(dir, '.orchest', 'environments', ENV, 'properties.json'), JSON.stringify({ name: 'Bench Env', base_image: image, language: 'python' }));
}

/** The image the environment's kernel host runs (the relay kernelspec's metadata.berth.image). */
function kernelImage(home: string, session: string): string {
  const spec = JSON.parse(readFileSync(join(home, 'sessions', session, 'jupyter', 'data', 'kernels', `orchest-kernel-${ENV}`, 'kernel.json'), 'utf8')) as { metadata?: { berth?: { image?: string } } };
  const image = spec.metadata?.berth?.image;
  if (!image) throw new Error(`the kernelspec of environment ${ENV} names no image`);
  return image;
}

/** Opens the kernel's channels websocket (Bearer), sends an execute_request of `code` and resolves on its execute_reply. */
function executeOverSocket(url: string, token: string, code: string): Promise<void> {
  const msgId = randomUUID();
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers: { authorization: `Bearer ${token}` } });
    const timer = setTimeout(() => (ws.terminate(), reject(new Error(`no execute_reply within ${TIMEOUT_MS / 1000} s`))), TIMEOUT_MS);
    const done = (e?: Error) => {
      clearTimeout(timer);
      ws.close();
      if (e) reject(e);
      else resolve();
    };
    ws.once('unexpected-response', (_req, res) => done(new Error(`websocket handshake answered ${res.statusCode}`)));
    ws.once('error', (e) => done(e));
    ws.on('message', (data) => {
      const msg = JSON.parse(String(data)) as { msg_type: string; parent_header: { msg_id?: string }; content: { status?: string } };
      if (msg.msg_type !== 'execute_reply' || msg.parent_header.msg_id !== msgId) return;
      done(msg.content.status === 'ok' ? undefined : new Error(`execute_reply: ${JSON.stringify(msg.content)}`));
    });
    ws.once('open', () => {
      ws.send(JSON.stringify({
        header: { msg_id: msgId, username: 'bench', session: randomUUID(), msg_type: 'execute_request', version: '5.3', date: new Date().toISOString() },
        parent_header: {}, metadata: {}, channel: 'shell', buffers: [],
        content: { code, silent: false, store_history: false, user_expressions: {}, allow_stdin: false, stop_on_error: true },
      }));
    });
  });
}

async function containers(labels: string[]): Promise<string[]> {
  const { stdout } = await run('docker', ['ps', '-aq', ...labels.flatMap((l) => ['--filter', `label=${l}`])]);
  return stdout.split('\n').filter(Boolean);
}

async function waitUntil(what: string, check: () => Promise<boolean>): Promise<void> {
  const end = Date.now() + TIMEOUT_MS;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting until ${what}`);
    await sleep(200);
  }
}

/** Runs a command to its end; its stdout (stderr is passed through). */
async function spawnCollect(cmd: string, args: string[]): Promise<string> {
  const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  await once(child, 'exit');
  return out;
}

process.exitCode = await main();
