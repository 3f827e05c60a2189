/**
 * Proxy throughput: the same small HTTP service reached directly, through Berth's proxy (token
 * checked on every request) and through configurable-http-proxy (JupyterHub's proxy, from npm),
 * and through nginx when it is installed; autocannon, 50 connections, all in one run, printed as
 * ratios to the direct baseline, and a browser's way in (the service's own host with a service session
 * cookie). Also: websocket echo round trip (direct, Berth, configurable-http-proxy and nginx,
 * interleaved rounds, medians) and the server's RSS after 1,000 and after 100,000 proxied requests.
 *
 * Targets are measured in short interleaved rounds (order reversed every round) and the median is
 * kept, so load from other processes on a shared machine hits them alike.
 *
 *   node bench/proxy.ts [--duration 4] [--connections 50] [--rounds 5] [--rss-requests 100000] [--server-node-flags=--max-semi-space-size=8]
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import WebSocket from 'ws';
import { table } from './lib/stats.ts';
import { emitSummary, verdict, type SummaryRow } from './lib/summary.ts';

const { values } = parseArgs({ options: { duration: { type: 'string' }, connections: { type: 'string' }, rounds: { type: 'string' }, 'rss-requests': { type: 'string' }, 'server-node-flags': { type: 'string' } } });
/** Node.js flags for the Berth server only (e.g. "--max-semi-space-size=8"), to compare memory settings. */
const SERVER_NODE_FLAGS = (values['server-node-flags'] ?? '').split(' ').filter(Boolean);
/** Requests for the RSS check (after 1,000, after N, after 2N); 0 skips it. */
const RSS_REQUESTS = Number(values['rss-requests'] ?? 100_000);
const DURATION = Number(values.duration ?? 4);
const CONNECTIONS = Number(values.connections ?? 50);
const ROUNDS = Number(values.rounds ?? 5);
const REPO = join(import.meta.dirname, '..');
const TOKEN = 'bench-admin-token-0123456789abcdef';
const base = 21000 + (process.pid % 2000) * 4;
const ports = { upstream: base, berth: base + 1, chp: base + 2, chpApi: base + 3, nginx: base + 4 };
const root = mkdtempSync(join(tmpdir(), 'berth-bench-proxy-'));
// Services run as the workload user when Berth runs as root: it must pass through to the project.
chmodSync(root, 0o711);
const children: ChildProcess[] = [];

function start(cmd: string, args: string[], env: Record<string, string> = {}): ChildProcess {
  const child = spawn(cmd, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'inherit'] });
  children.push(child);
  return child;
}

async function until(url: string, headers: Record<string, string> = {}): Promise<void> {
  for (let i = 0; i < 400; i++) {
    try {
      if ((await fetch(url, { headers })).status === 200) return;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`${url} never answered 200`);
}

async function load(url: string, headers: Record<string, string>, opts: { duration?: number; amount?: number; pids?: () => number[] }) {
  const before = cpuTicks(opts.pids?.() ?? []);
  const r = await autocannon({ url, connections: CONNECTIONS, headers, ...(opts.amount ? { amount: opts.amount } : { duration: opts.duration }) });
  const ticks = cpuTicks(opts.pids?.() ?? []) - before;
  // The proxy's own CPU time per request (user + system, 10 ms ticks): what a loaded machine changes least.
  const cpuUs = opts.pids && r.requests.total > 0 ? (ticks * 10_000) / r.requests.total : NaN;
  return { rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99, errors: r.errors + r.non2xx, cpuUs };
}

/** utime + stime (clock ticks) of these processes. */
function cpuTicks(pids: number[]): number {
  let sum = 0;
  for (const pid of pids) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      sum += Number(f[11]) + Number(f[12]);
    } catch {
      // gone
    }
  }
  return sum;
}

/** A process and its children (nginx: master and worker). */
function withChildren(pid: number): number[] {
  let kids: number[] = [];
  try {
    kids = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    // gone
  }
  return [pid, ...kids];
}

function rssKb(pid: number): number {
  const m = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(m?.[1] ?? 0);
}

/** A service session for `host`, from the `?berth_token=` exchange on the service's own host. */
function serviceSessionCookie(api: string, host: string): Promise<string> {
  return new Promise((resolve, reject) => {
    request(`${api}/?berth_token=${TOKEN}`, { headers: { host } }, (res) => {
      res.resume();
      resolve(String(res.headers['set-cookie'] ?? '').split(';')[0]!);
    }).on('error', reject).end();
  });
}

async function wsRoundTrip(url: string, headers: Record<string, string>, n: number): Promise<number> {
  const ws = new WebSocket(url, { headers });
  await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
  const t0 = performance.now();
  for (let i = 0; i < n; i++) {
    const reply = new Promise((resolve) => ws.once('message', resolve));
    ws.send('ping');
    await reply;
  }
  const ms = (performance.now() - t0) / n;
  ws.close();
  return ms;
}

async function main(): Promise<void> {
  const node = process.execPath;
  // As root, Berth runs services as its workload user, who cannot reach a Node under /root: the system's Node then serves.
  const serviceNode = process.getuid?.() === 0 && existsSync('/usr/bin/node') ? '/usr/bin/node' : node;
  const direct = `http://127.0.0.1:${ports.upstream}/`;
  const home = join(root, 'home');
  const project = join(root, 'project');
  spawnSync('mkdir', ['-p', join(project, '.orchest')]);
  const berthProc = start(node, [...SERVER_NODE_FLAGS, join(REPO, 'bin', 'berth.ts'), 'server', '--port', String(ports.berth), '--log-level', 'warn'], { BERTH_HOME: home, BERTH_ADMIN_TOKEN: TOKEN });
  const api = `http://127.0.0.1:${ports.berth}`;
  const auth = { authorization: `Bearer ${TOKEN}` };
  await until(`${api}/api/health`);
  const post = (path: string, body: unknown) => fetch(`${api}${path}`, { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  await post('/api/projects', { name: 'bench', path: project });
  const svc = await post('/api/projects/bench/services', { name: 'up', command: serviceNode, args: `${join(REPO, 'bench', 'lib', 'hello-service.mjs')} ${ports.upstream}`, ports: [ports.upstream] });
  if (svc.status !== 201) throw new Error(`deploy: ${svc.status} ${await svc.text()}`);
  const viaBerth = `${api}/api/projects/bench/services/up/${ports.upstream}/`;
  await until(direct);
  await until(viaBerth, auth);

  const chpBin = join(REPO, 'node_modules', '.bin', 'configurable-http-proxy');
  const chpProc = start(chpBin, ['--ip', '127.0.0.1', '--port', String(ports.chp), '--api-ip', '127.0.0.1', '--api-port', String(ports.chpApi), '--default-target', `http://127.0.0.1:${ports.upstream}`, '--log-level', 'warn'], { CONFIGPROXY_AUTH_TOKEN: 'chp-bench' });
  const viaChp = `http://127.0.0.1:${ports.chp}/`;
  await until(viaChp);

  const targets: Array<{ name: string; url: string; headers: Record<string, string>; pids?: () => number[] }> = [
    { name: 'direct', url: direct, headers: {} },
    { name: 'berth (token checked per request)', url: viaBerth, headers: auth, pids: () => [berthProc.pid!] },
    { name: 'configurable-http-proxy', url: viaChp, headers: {}, pids: () => [chpProc.pid!] },
  ];
  const nginx = spawnSync('sh', ['-c', 'command -v nginx']).stdout.toString().trim();
  if (nginx) {
    const conf = join(root, 'nginx.conf');
    writeFileSync(conf, `worker_processes 1; pid ${root}/nginx.pid; error_log ${root}/nginx.err warn; daemon off;
events { worker_connections 1024; }
http { access_log off; upstream up { server 127.0.0.1:${ports.upstream}; keepalive 64; }
  map $http_upgrade $connection_upgrade { default upgrade; '' ""; }
  server { listen 127.0.0.1:${ports.nginx}; location / { proxy_pass http://up; proxy_http_version 1.1;
    proxy_set_header Upgrade $http_upgrade; proxy_set_header Connection $connection_upgrade; } } }`);
    const nginxProc = start(nginx, ['-c', conf, '-p', root]);
    await until(`http://127.0.0.1:${ports.nginx}/`);
    targets.push({ name: 'nginx (1 worker, keep-alive upstream)', url: `http://127.0.0.1:${ports.nginx}/`, headers: {}, pids: () => withChildren(nginxProc.pid!) });
  }

  // A browser's way in: the service's own host (default services domain "localhost") with a service session cookie.
  const ownHost = `up--bench--${ports.upstream}.localhost:${ports.berth}`;
  const ownOrigin = { name: 'berth, own origin (service session cookie)', url: `${api}/`, headers: { host: ownHost, cookie: await serviceSessionCookie(api, ownHost) }, pids: () => [berthProc.pid!] };
  targets.push(ownOrigin);

  for (const t of targets) await load(t.url, t.headers, { duration: 2 }); // warm-up
  const results = new Map<string, Array<Awaited<ReturnType<typeof load>>>>();
  for (let round = 0; round < ROUNDS; round++) {
    const order = round % 2 === 0 ? targets : [...targets].reverse();
    for (const t of order) {
      const r = await load(t.url, t.headers, { duration: DURATION, pids: t.pids });
      results.set(t.name, [...(results.get(t.name) ?? []), r]);
    }
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const summary = targets.map((t) => {
    const rs = results.get(t.name)!;
    return { name: t.name, rps: median(rs.map((r) => r.rps)), p50: median(rs.map((r) => r.p50)), p99: median(rs.map((r) => r.p99)), errors: rs.reduce((a, r) => a + r.errors, 0), cpuUs: median(rs.map((r) => r.cpuUs)) };
  });
  const directRps = summary[0]!.rps;
  console.log(`\nHTTP: ${CONNECTIONS} connections, ${DURATION} s × ${ROUNDS} rounds (alternating order, medians), node ${process.version}, load average ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
  console.log(table(['target', 'req/s', 'vs direct', 'p50 ms', 'p99 ms', 'errors', 'proxy CPU µs/req'], summary.map((s) => [s.name, s.rps.toFixed(0), (s.rps / directRps).toFixed(2), s.p50.toFixed(1), s.p99.toFixed(1), String(s.errors), Number.isNaN(s.cpuUs) ? '-' : s.cpuUs.toFixed(0)])));
  const berth = summary[1]!;
  const chp = summary[2]!;
  console.log(`berth / configurable-http-proxy throughput: ${(berth.rps / chp.rps).toFixed(2)}x (target >= 2); CPU per request chp / berth: ${(chp.cpuUs / berth.cpuUs).toFixed(2)}x`);
  const ng = summary.find((x) => x.name.startsWith('nginx'));
  if (ng) console.log(`berth / nginx throughput: ${(berth.rps / ng.rps).toFixed(2)}x (target >= 0.5); p99 berth - nginx: ${(berth.p99 - ng.p99).toFixed(1)} ms (target <= 5); CPU per request nginx / berth: ${(ng.cpuUs / berth.cpuUs).toFixed(2)}x`);
  else console.log('nginx: not installed on this machine, not measured');
  const own = summary.find((x) => x.name === ownOrigin.name)!;
  console.log(`berth own origin (cookie) / berth path route (Bearer) throughput: ${(own.rps / berth.rps).toFixed(2)}x`);

  // Websocket echo: every way in, in interleaved rounds (order reversed every round), medians.
  const wsTargets: Array<{ name: string; url: string; headers: Record<string, string> }> = [
    { name: 'direct', url: `ws://127.0.0.1:${ports.upstream}/`, headers: {} },
    { name: 'berth', url: `ws://127.0.0.1:${ports.berth}/api/projects/bench/services/up/${ports.upstream}/`, headers: auth },
    { name: 'configurable-http-proxy', url: `ws://127.0.0.1:${ports.chp}/`, headers: {} },
    ...(ng ? [{ name: 'nginx', url: `ws://127.0.0.1:${ports.nginx}/`, headers: {} }] : []),
  ];
  const wsSamples = new Map<string, number[]>(wsTargets.map((t) => [t.name, []]));
  for (const t of wsTargets) await wsRoundTrip(t.url, t.headers, 200); // warm-up
  for (let round = 0; round < ROUNDS; round++) {
    for (const t of round % 2 === 0 ? wsTargets : [...wsTargets].reverse()) wsSamples.get(t.name)!.push(await wsRoundTrip(t.url, t.headers, 1000));
  }
  const wsUs = (name: string) => median(wsSamples.get(name)!) * 1000;
  const wsDirectUs = wsUs('direct');
  const wsBerthOverUs = wsUs('berth') - wsDirectUs;
  console.log(`\nwebsocket echo round trip (1,000 sequential messages × ${ROUNDS} rounds, medians), overhead over direct:`);
  console.log(table(['way in', 'round trip µs', 'overhead µs'], wsTargets.map((t) => [t.name, wsUs(t.name).toFixed(0), t.name === 'direct' ? '-' : (wsUs(t.name) - wsDirectUs).toFixed(0)])));

  const rows: SummaryRow[] = [
    { bench: 'proxy', metric: 'berth req/s ÷ direct', value: (berth.rps / directRps).toFixed(2), target: '-', verdict: 'info' },
    { bench: 'proxy', metric: 'berth ÷ configurable-http-proxy req/s', value: (berth.rps / chp.rps).toFixed(2), target: '>= 2', verdict: berth.rps / chp.rps >= 2 ? 'ok' : 'over' },
    ng
      ? { bench: 'proxy', metric: 'berth ÷ nginx req/s', value: (berth.rps / ng.rps).toFixed(2), target: '>= 0.5', verdict: berth.rps / ng.rps >= 0.5 ? 'ok' : 'over' }
      : { bench: 'proxy', metric: 'berth ÷ nginx req/s', value: 'not measured (no nginx)', target: '>= 0.5', verdict: 'info' },
    { bench: 'proxy', metric: 'websocket echo overhead µs', value: wsBerthOverUs.toFixed(0), target: '<= 50', verdict: verdict(wsBerthOverUs, 50) },
  ];
  if (ng) rows.push({ bench: 'proxy', metric: 'websocket echo overhead µs, nginx', value: (wsUs('nginx') - wsDirectUs).toFixed(0), target: '-', verdict: 'info' });
  if (RSS_REQUESTS > 0) {
    const pid = berthProc.pid!;
    await load(viaBerth, auth, { amount: 1000 });
    const rss1k = rssKb(pid);
    await load(viaBerth, auth, { amount: RSS_REQUESTS - 1000 });
    const rss100k = rssKb(pid);
    console.log(`\nberth server RSS: ${(rss1k / 1024).toFixed(1)} MiB after 1,000 proxied requests, ${(rss100k / 1024).toFixed(1)} MiB after ${RSS_REQUESTS}: ${(rss100k / rss1k).toFixed(2)}x (target <= 1.20)`);
    await load(viaBerth, auth, { amount: RSS_REQUESTS });
    const rss200k = rssKb(pid);
    console.log(`berth server RSS after ${2 * RSS_REQUESTS}: ${(rss200k / 1024).toFixed(1)} MiB (${(rss200k / rss100k).toFixed(2)}x the ${RSS_REQUESTS} figure: growth that continues would be a leak)`);
    rows.push({ bench: 'proxy', metric: 'RSS after 100k ÷ after 1k requests', value: (rss100k / rss1k).toFixed(2), target: '<= 1.20', verdict: verdict(rss100k / rss1k, 1.2) });
  }
  emitSummary(rows);
  await fetch(`${api}/api/projects/bench/services/up`, { method: 'DELETE', headers: auth });
}

try {
  await main();
} finally {
  for (const c of children.reverse()) c.kill('SIGTERM');
  await new Promise((r) => setTimeout(r, 500));
  rmSync(root, { recursive: true, force: true });
}
