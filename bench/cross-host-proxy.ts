/**
 * What a forward costs: one small HTTP service supervised by server A (BERTH_HOST_ID=host-a), reached
 * through A's own proxy and through server B (BERTH_HOST_ID=host-b, one PostgreSQL store), which
 * forwards each request to A (decision 0022: signed forward, A's proxy serves it). Autocannon,
 * interleaved rounds (order reversed every round), medians kept — a shared machine's load hits both.
 *
 *   node bench/cross-host-proxy.ts [--duration 3] [--connections 20] [--rounds 3]
 *
 * Needs PostgreSQL at BERTH_TEST_POSTGRES_URL (default postgres://postgres@127.0.0.1:5432/test).
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { startServerProcess } from '../test/helpers/berth-server-process.ts';
import { freshStore } from '../test/helpers/store-backends.ts';
import { alternate } from './lib/alternate.ts';
import { median, ms, ratio, table } from './lib/stats.ts';
import { emitSummary, type SummaryRow } from './lib/summary.ts';

const { values } = parseArgs({ options: { duration: { type: 'string' }, connections: { type: 'string' }, rounds: { type: 'string' } } });
const DURATION = Number(values.duration ?? 3);
const CONNECTIONS = Number(values.connections ?? 20);
const ROUNDS = Number(values.rounds ?? 3);
const ADMIN = 'bench-cross-host-admin-token-012345';

interface Sample {
  rps: number;
  p50: number;
  p99: number;
  errors: number;
}

async function measure(url: string): Promise<Sample> {
  const r = await autocannon({ url, connections: CONNECTIONS, duration: DURATION, headers: { authorization: `Bearer ${ADMIN}` } });
  return { rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99, errors: r.errors + r.non2xx };
}

const store = await freshStore('postgres');
const home = mkdtempSync(join(tmpdir(), 'berth-bench-xhost-'));
const project = join(home, 'project');
mkdirSync(join(project, '.orchest'), { recursive: true });
const env = { BERTH_HOME: join(home, 'home'), BERTH_DATABASE_URL: store.env.BERTH_DATABASE_URL!, BERTH_ADMIN_TOKEN: ADMIN };
const [a, b] = await Promise.all([startServerProcess({ ...env, BERTH_HOST_ID: 'host-a' }), startServerProcess({ ...env, BERTH_HOST_ID: 'host-b' })]);
try {
  const api = (method: string, path: string, body: unknown) => fetch(`${a.url}${path}`, { method, headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const port = 24000 + (process.pid % 1000);
  await api('POST', '/api/projects', { name: 'bench', path: project });
  const hello = new URL('./lib/hello-service.mjs', import.meta.url).pathname;
  const deployed = await api('POST', '/api/projects/bench/services', { name: 'hello', command: process.execPath, args: `${hello} ${port}`, ports: [port] });
  if (deployed.status !== 201) throw new Error(`deploy: ${deployed.status} ${await deployed.text()}`);
  const path = `/api/projects/bench/services/hello/${port}/`;
  const local: Sample[] = [];
  const forwarded: Sample[] = [];
  await alternate(ROUNDS, async () => void local.push(await measure(`${a.url}${path}`)), async () => void forwarded.push(await measure(`${b.url}${path}`)), () => {
    local.length = 0;
    forwarded.length = 0;
  });
  const m = (xs: Sample[], k: keyof Sample) => median(xs.map((x) => x[k]));
  console.log(`load average ${loadavg()[0]!.toFixed(1)}; ${ROUNDS} rounds of ${DURATION} s, ${CONNECTIONS} connections`);
  console.log(table(['way in', 'req/s', 'p50', 'p99', 'errors'], [
    ['A (runs the service)', m(local, 'rps').toFixed(0), ms(m(local, 'p50')), ms(m(local, 'p99')), String(local.reduce((n, x) => n + x.errors, 0))],
    ['B → A (forwarded)', m(forwarded, 'rps').toFixed(0), ms(m(forwarded, 'p50')), ms(m(forwarded, 'p99')), String(forwarded.reduce((n, x) => n + x.errors, 0))],
  ]));
  console.log(`forwarded/local req/s: ${ratio(m(forwarded, 'rps'), m(local, 'rps'))}`);
  const rows: SummaryRow[] = [
    { bench: 'cross-host-proxy', metric: 'forwarded/local req/s', value: (m(forwarded, 'rps') / m(local, 'rps')).toFixed(2), target: '', verdict: 'info' },
    { bench: 'cross-host-proxy', metric: 'forwarded p50', value: ms(m(forwarded, 'p50')), target: '', verdict: 'info' },
  ];
  emitSummary(rows);
  await fetch(`${a.url}/api/projects/bench/services/hello`, { method: 'DELETE', headers: { authorization: `Bearer ${ADMIN}` } });
} finally {
  await Promise.all([a.stop(), b.stop()]);
  await store.drop();
  rmSync(home, { recursive: true, force: true });
}
