/**
 * Session start with Jupyter ready (process runtime), against the same Jupyter server started by
 * hand: `POST /api/projects/{p}/pipelines/{pipeline}/session` on a warm Berth server (a pipeline
 * without services and a project without environments, so the session is its Jupyter server) until
 * it answers, vs `python3 -m jupyter_server` (same interpreter and options) until its `api/status`
 * answers with its token. K alternating repetitions, medians; stops are not timed.
 *
 *   node bench/session-jupyter.ts [--reps 5] [--python /usr/bin/python3]
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig } from '../src/config/config.ts';
import { startServer } from '../src/server/start-server.ts';
import { freeLoopbackPort } from '../src/sessions/session-jupyter.ts';
import { alternate } from './lib/alternate.ts';
import { median, ms, ratio } from './lib/stats.ts';
import { emitSummary, verdict, type SummaryRow } from './lib/summary.ts';

const RATIO_TARGET = 1.2;
const ADMIN = 'bench-admin-token-0123456789abcdef';

async function main(): Promise<number> {
  const { values } = parseArgs({ options: { reps: { type: 'string', default: '5' }, python: { type: 'string', default: '/usr/bin/python3' } } });
  const reps = Number(values.reps);
  const root = mkdtempSync(join(tmpdir(), 'berth-bench-jupyter-'));
  const project = join(root, 'project');
  mkdirSync(join(project, '.orchest'), { recursive: true });
  writeFileSync(join(project, 'p.orchest'), JSON.stringify({ name: 'p', uuid: 'eeeeeeee-0000-4000-8000-000000000001', version: '1.2.3', parameters: {}, settings: {}, steps: {}, services: {} }));
  const config = loadConfig({ PATH: process.env.PATH, HOME: process.env.HOME, BERTH_HOME: join(root, 'home'), BERTH_ADMIN_TOKEN: ADMIN, BERTH_SINGLE_USER: '1', BERTH_STOP_GRACE_SECONDS: '2', BERTH_JUPYTER_PYTHON: values.python });
  const server = await startServer(config, { host: '127.0.0.1', port: 0, logger: { level: 'warn' } });
  const api = (method: string, path: string, body?: unknown) =>
    fetch(`${server.url}${path}`, { method, headers: { authorization: `Bearer ${ADMIN}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) }, body: body === undefined ? undefined : JSON.stringify(body) });
  const berth: number[] = [];
  const hand: number[] = [];
  const failures: string[] = [];
  const session = '/api/projects/bench/pipelines/p.orchest/session';
  try {
    if ((await api('POST', '/api/projects', { name: 'bench', path: project })).status !== 201) throw new Error('could not register the project');
    const runBerth = async (): Promise<void> => {
      const t0 = process.hrtime.bigint();
      const res = await api('POST', session, {});
      const wall = Number(process.hrtime.bigint() - t0) / 1e6;
      const view = (await res.json()) as { jupyter?: { state: string } | null };
      if (res.status === 201 && view.jupyter?.state === 'running') berth.push(wall);
      else failures.push(`berth: ${res.status} ${JSON.stringify(view).slice(0, 300)}`);
      await (await api('DELETE', session)).body?.cancel();
    };
    const runByHand = async (): Promise<void> => {
      const port = await freeLoopbackPort();
      const token = randomBytes(32).toString('hex');
      const t0 = process.hrtime.bigint();
      const child = spawn(values.python, ['-m', 'jupyter_server', '--no-browser', '--ip=127.0.0.1', `--port=${port}`, '--ServerApp.port_retries=0', `--ServerApp.root_dir=${project}`, '--ServerApp.base_url=/', '--allow-root'], {
        env: { ...process.env, JUPYTER_TOKEN: token, JUPYTER_RUNTIME_DIR: join(root, 'by-hand-runtime') }, stdio: 'ignore',
      });
      let answered = false;
      while (!answered && child.exitCode === null) {
        try {
          const res = await fetch(`http://127.0.0.1:${port}/api/status`, { headers: { authorization: `token ${token}` } });
          await res.body?.cancel();
          answered = res.status === 200;
        } catch {
          await new Promise((r) => setTimeout(r, 50));
        }
      }
      const wall = Number(process.hrtime.bigint() - t0) / 1e6;
      if (answered) hand.push(wall);
      else failures.push(`by hand: jupyter_server exited with ${child.exitCode}`);
      child.kill('SIGTERM');
      await new Promise((r) => (child.exitCode !== null ? r(null) : child.once('exit', r)));
    };
    console.log(`session-jupyter: POST session (Jupyter ready) on a warm server vs ${values.python} -m jupyter_server until api/status answers; K=${reps} alternating, medians`);
    await alternate(reps, runByHand, runBerth, () => ((berth.length = 0), (hand.length = 0)));
  } finally {
    await server.close();
    rmSync(root, { recursive: true, force: true });
  }
  for (const f of failures) console.error(`FAILED: ${f}`);
  const b = median(berth);
  const h = median(hand);
  console.log(`berth session start (Jupyter ready)  median ${ms(b, 0)}  (${berth.map((x) => x.toFixed(0)).join(', ')} ms)`);
  console.log(`jupyter_server by hand               median ${ms(h, 0)}  (${hand.map((x) => x.toFixed(0)).join(', ')} ms)`);
  console.log(`berth / by hand                      ${ratio(b, h)}  (target <= ${RATIO_TARGET}x)`);
  const rows: SummaryRow[] = [{ bench: 'session-jupyter', metric: 'session with Jupyter ready: berth/by hand', value: `${ratio(b, h)} (${ms(b, 0)} / ${ms(h, 0)})`, target: `≤ ${RATIO_TARGET}x`, verdict: verdict(b / h, RATIO_TARGET) }];
  emitSummary(rows);
  return failures.length > 0 ? 1 : 0;
}

process.exitCode = await main();
