/**
 * `berth instance start` (to running) and `stop` latency against bare process spawning, measured
 * in the same run, and `instance list` of 1,000 instances. With `--runtime docker`: start and stop
 * against `docker run -d` / `docker stop` (needs a Docker engine and berth-test/busybox:1).
 *
 *   node bench/instances.ts [--reps 10] [--count 1000] [--runtime process|docker]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir, userInfo, hostname } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { readProcStat } from '../src/leases/proc-stat.ts';
import { InstanceRepository, type InstanceRow } from '../src/store/instance-repository.ts';
import { kyselySqlRunner } from '../src/store/kysely-sql-runner.ts';
import { openStore } from '../src/store/open-store.ts';
import { median, ms, ratio, table } from './lib/stats.ts';
import { alternate as alternateReps } from './lib/alternate.ts';
import { emitSummary, verdict, type SummaryRow } from './lib/summary.ts';
import { spawnTimed } from './lib/spawn-timed.ts';
import { BERTH_BIN } from './lib/tools.ts';

const { values } = parseArgs({ options: { reps: { type: 'string' }, count: { type: 'string' }, runtime: { type: 'string' } } });
const RUNTIME = values.runtime ?? 'process';
const DOCKER_IMAGE = 'berth-test/busybox:1';
const REPS = Number(values.reps ?? 10);
const COUNT = Number(values.count ?? 1000);
const TIMEOUT_MS = 60_000;

/** The bare runtime, from a Node CLI like Berth: spawn the command detached, print its pid, exit. */
const BARE_START = "const c=require('child_process').spawn(process.argv[1],process.argv.slice(2),{detached:true,stdio:'ignore'});console.log(c.pid);c.unref()";
/** …and stop it: signal its group and wait for it to be gone (polling /proc like Berth; a zombie counts as gone). */
const BARE_STOP = "const fs=require('fs');const p=+process.argv[1];process.kill(-p,'SIGTERM');const gone=()=>{try{return /^\\d+ \\(.*\\) [ZX]/s.test(fs.readFileSync('/proc/'+p+'/stat','latin1'))}catch{return true}};const t=setInterval(()=>gone()&&clearInterval(t),2)";

async function timed(args: string[], env: NodeJS.ProcessEnv): Promise<{ wallMs: number; stdout: string }> {
  const r = await spawnTimed(args[0]!, args.slice(1), { env, timeoutMs: TIMEOUT_MS });
  if (r.code !== 0 || r.error) throw new Error(`${args.slice(0, 4).join(' ')} failed: ${r.error ?? r.code} ${r.stderr}`);
  return { wallMs: r.wallMs, stdout: r.stdout };
}

async function latency(home: string): Promise<SummaryRow[]> {
  const env = { ...process.env, BERTH_HOME: home };
  const node = process.execPath;
  const samples = { bareStart: [] as number[], bareStop: [] as number[], shStart: [] as number[], berthStart: [] as number[], berthStop: [] as number[] };
  const bare = async (): Promise<void> => {
    const started = await timed([node, '-e', BARE_START, 'sleep', '300'], env);
    samples.bareStart.push(started.wallMs);
    samples.bareStop.push((await timed([node, '-e', BARE_STOP, started.stdout.trim()], env)).wallMs);
    const sh = await timed(['/bin/sh', '-c', 'sleep 300 >/dev/null 2>&1 & echo $!'], env);
    samples.shStart.push(sh.wallMs);
    process.kill(Number(sh.stdout.trim()), 'SIGKILL');
  };
  const berth = async (i: number): Promise<void> => {
    samples.berthStart.push((await timed([node, BERTH_BIN, 'instance', 'start', 'host', `b${i}`, 'sleep', '300'], env)).wallMs);
    samples.berthStop.push((await timed([node, BERTH_BIN, 'instance', 'stop', '-s', 'TERM', `b${i}`], env)).wallMs);
  };
  const m = await alternate(samples, bare, berth);
  console.log(table(['what', 'median', 'vs node spawn'], [
    ['bare: node spawns detached + exits', ms(m.bareStart), '1.00x'],
    ['bare: sh &', ms(m.shStart), ratio(m.shStart, m.bareStart)],
    ['berth instance start (to running)', ms(m.berthStart), ratio(m.berthStart, m.bareStart)],
    ['bare: node kills group + waits', ms(m.bareStop), '1.00x'],
    ['berth instance stop', ms(m.berthStop), ratio(m.berthStop, m.bareStop)],
  ]));
  return [
    { bench: 'instances', metric: 'start berth/bare node spawn', value: `${ratio(m.berthStart, m.bareStart)} (${ms(m.berthStart)} / ${ms(m.bareStart)})`, target: '≤ 1.2x', verdict: verdict(m.berthStart / m.bareStart, 1.2) },
    { bench: 'instances', metric: 'stop berth/bare node kill', value: `${ratio(m.berthStop, m.bareStop)} (${ms(m.berthStop)} / ${ms(m.bareStop)})`, target: '≤ 1.2x', verdict: verdict(m.berthStop / m.bareStop, 1.2) },
  ];
}

/** The median of each sample list after alternating repetitions (see lib/alternate.ts). */
async function alternate<K extends string>(samples: Record<K, number[]>, bare: () => Promise<void>, berth: (i: number) => Promise<void>): Promise<Record<K, number>> {
  await alternateReps(REPS, bare, berth, () => Object.values<number[]>(samples).forEach((v) => (v.length = 0)));
  return Object.fromEntries(Object.entries<number[]>(samples).map(([k, v]) => [k, median(v)])) as Record<K, number>;
}

/** COUNT realistic rows answered for by this (live) process, so list's stale check keeps them all. */
async function fill(home: string): Promise<void> {
  const db = await openStore(join(home, 'berth.db'));
  const repo = new InstanceRepository(kyselySqlRunner(db));
  const self = readProcStat(process.pid)!;
  const user = userInfo();
  for (let i = 0; i < COUNT; i++) {
    const row: InstanceRow = {
      id: `bench-${i}`, name: `svc-${String(i).padStart(4, '0')}`, owner: user.username, owner_uid: user.uid, host: hostname(), runtime: 'process',
      image: 'host', command_json: '["sleep","300"]', restart_policy: 'no', health_cmd: null, health_port: null, health_interval_ms: 0, health: 'none',
      status: 'running', keeper_pid: process.pid, keeper_start: self.startTime, handle_json: null, log_out_path: `/x/${i}.out`, log_err_path: `/x/${i}.err`,
      restarts: 0, exit_code: null, reason: null, stop_signal: null, stop_grace_ms: null, created_at: new Date().toISOString(), started_at: null,
    };
    await repo.claim(row);
  }
  await db.destroy();
}

/** The docker runtime: berth instance start/stop against docker run -d --init / docker stop, alternating. */
async function dockerLatency(home: string): Promise<SummaryRow[]> {
  const env = { ...process.env, BERTH_HOME: home };
  const samples = { bareStart: [] as number[], bareStop: [] as number[], berthStart: [] as number[], berthStop: [] as number[] };
  const bare = async (): Promise<void> => {
    const started = await timed(['docker', 'run', '-d', '--init', DOCKER_IMAGE, 'sleep', '300'], env);
    samples.bareStart.push(started.wallMs);
    const id = started.stdout.trim();
    samples.bareStop.push((await timed(['docker', 'stop', id], env)).wallMs);
    await timed(['docker', 'rm', id], env);
  };
  const berth = async (i: number): Promise<void> => {
    samples.berthStart.push((await timed([process.execPath, BERTH_BIN, 'instance', 'start', '--runtime', 'docker', DOCKER_IMAGE, `d${i}`, 'sleep', '300'], env)).wallMs);
    samples.berthStop.push((await timed([process.execPath, BERTH_BIN, 'instance', 'stop', '-s', 'TERM', `d${i}`], env)).wallMs);
  };
  const m = await alternate(samples, bare, berth);
  console.log(table(['what', 'median', 'vs bare'], [
    ['bare: docker run -d --init', ms(m.bareStart), '1.00x'],
    ['berth instance start --runtime docker (to running)', ms(m.berthStart), ratio(m.berthStart, m.bareStart)],
    ['bare: docker stop', ms(m.bareStop), '1.00x'],
    ['berth instance stop (stop + remove the container)', ms(m.berthStop), ratio(m.berthStop, m.bareStop)],
  ]));
  return [
    { bench: 'instances', metric: 'docker start berth/docker run -d', value: `${ratio(m.berthStart, m.bareStart)} (${ms(m.berthStart)} / ${ms(m.bareStart)})`, target: '≤ 1.2x', verdict: verdict(m.berthStart / m.bareStart, 1.2) },
    { bench: 'instances', metric: 'docker stop berth/docker stop', value: `${ratio(m.berthStop, m.bareStop)} (${ms(m.berthStop)} / ${ms(m.bareStop)})`, target: '≤ 1.2x', verdict: verdict(m.berthStop / m.bareStop, 1.2) },
  ];
}

async function list(home: string, emptyHome: string): Promise<SummaryRow[]> {
  await fill(home);
  const run = async (h: string): Promise<number> => (await timed([process.execPath, BERTH_BIN, 'instance', 'list', '--json'], { ...process.env, BERTH_HOME: h })).wallMs;
  await run(home);
  await run(emptyHome);
  const full: number[] = [];
  const empty: number[] = [];
  for (let i = 0; i < REPS; i++) {
    full.push(await run(home));
    empty.push(await run(emptyHome));
  }
  const [f, e] = [median(full), median(empty)];
  console.log(table(['what', 'median'], [[`berth instance list --json, ${COUNT} instances`, ms(f)], ['berth instance list --json, none (CLI start-up)', ms(e)], ['difference', ms(f - e)]]));
  return [
    { bench: 'instances', metric: `list ${COUNT} (CLI wall)`, value: `${ms(f)} (empty: ${ms(e)})`, target: '-', verdict: 'info' },
    { bench: 'instances', metric: `list ${COUNT} minus empty list`, value: ms(f - e), target: '< 200 ms', verdict: verdict(f - e, 200) },
  ];
}

const root = mkdtempSync(join(tmpdir(), 'berth-bench-instances-'));
try {
  const rows = RUNTIME === 'docker'
    ? await dockerLatency(join(root, 'latency'))
    : [...(await latency(join(root, 'latency'))), ...(await list(join(root, 'list'), join(root, 'empty')))];
  console.log(`\n${table(['bench', 'metric', 'value', 'target', 'verdict'], rows.map((r) => [r.bench, r.metric, r.value, r.target, r.verdict]))}`);
  emitSummary(rows);
} finally {
  await spawnTimed(process.execPath, [BERTH_BIN, 'instance', 'stop', '--force', '--all'], { env: { ...process.env, BERTH_HOME: join(root, 'latency') }, timeoutMs: TIMEOUT_MS });
  rmSync(root, { recursive: true, force: true });
}
