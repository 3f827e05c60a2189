/**
 * Session start benchmark: `berth session start --runtime docker` of a pipeline with two services
 * (python3 -m http.server on two ports), from spawn to exit (all services ready), against a bash
 * script doing the same by hand: `docker network create`, then per service `docker run -d` (same
 * image, init, port published on 127.0.0.1, network alias) and a wait until its port accepts
 * connections (same probe). K alternating repetitions, medians; teardown is not timed.
 *
 *   node bench/session-start.ts [--reps 5] [--image berth-test/python:1]
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { median, ms, ratio } from './lib/stats.ts';
import { alternate } from './lib/alternate.ts';
import { emitSummary, verdict, type SummaryRow } from './lib/summary.ts';
import { spawnTimed } from './lib/spawn-timed.ts';
import { BERTH_BIN } from './lib/tools.ts';

const RATIO_TARGET = 1.1;
const TIMEOUT_MS = 5 * 60_000;
const SERVICES = [['alpha', 8000], ['beta', 8001]] as const;

async function main(): Promise<number> {
  const { values } = parseArgs({ options: { reps: { type: 'string', default: '5' }, image: { type: 'string', default: 'berth-test/python:1' } } });
  const reps = Number(values.reps);
  const image = values.image;
  const root = mkdtempSync(join(tmpdir(), 'berth-bench-session-'));
  const project = join(root, 'project');
  writeProject(project, image);
  const waitPort = join(import.meta.dirname, 'lib', 'wait-port.ts');
  const net = 'berth-bench-session-net';
  const byHand = [
    'set -e',
    `docker network create ${net} >/dev/null`,
    ...SERVICES.flatMap(([name, port]) => [
      `docker run -d --init --name bench-${name} --network ${net} --network-alias ${name} -p 127.0.0.1::${port} ${image} python3 -m http.server ${port} >/dev/null`,
      `"${process.execPath}" "${waitPort}" "$(docker port bench-${name} ${port}/tcp | head -1)"`,
    ]),
  ].join('\n');
  const cleanup = `docker rm -f ${SERVICES.map(([n]) => `bench-${n}`).join(' ')} >/dev/null 2>&1; docker network rm ${net} >/dev/null 2>&1; true`;
  const berth: number[] = [];
  const shell: number[] = [];
  const failures: string[] = [];
  const home = join(root, 'home');
  const env = { ...process.env, BERTH_HOME: home };
  const file = join(project, 'bench.orchest');
  const runShell = async (): Promise<void> => {
    const r = await spawnTimed('bash', ['-c', byHand], { timeoutMs: TIMEOUT_MS });
    if (r.code === 0) shell.push(r.wallMs);
    else failures.push(`docker run + wait: exit ${r.code}: ${r.stderr.slice(-300)}`);
    await spawnTimed('bash', ['-c', cleanup], { timeoutMs: TIMEOUT_MS });
  };
  const runBerth = async (): Promise<void> => {
    const r = await spawnTimed(process.execPath, [BERTH_BIN, 'session', 'start', file, '--runtime', 'docker', '--json'], { env, timeoutMs: TIMEOUT_MS });
    if (r.code === 0 && (JSON.parse(r.stdout) as { status: string }).status === 'RUNNING') berth.push(r.wallMs);
    else failures.push(`berth: exit ${r.code}: ${(r.stderr || r.stdout).slice(-300)}`);
    await spawnTimed(process.execPath, [BERTH_BIN, 'session', 'stop', file], { env, timeoutMs: TIMEOUT_MS });
  };
  console.log(`session-start: 2 services (${image}), berth session start vs docker run + wait-for-port; K=${reps} alternating, medians`);
  try {
    await spawnTimed('bash', ['-c', cleanup], { timeoutMs: TIMEOUT_MS });
    await alternate(reps, runShell, runBerth, () => ((berth.length = 0), (shell.length = 0)));
  } finally {
    await spawnTimed('bash', ['-c', cleanup], { timeoutMs: TIMEOUT_MS });
    rmSync(root, { recursive: true, force: true });
  }
  for (const f of failures) console.error(`FAILED: ${f}`);
  const b = median(berth);
  const s = median(shell);
  const paired = berth.length === shell.length ? median(berth.map((x, i) => x / shell[i]!)) : Number.NaN;
  console.log(`berth session start          median ${ms(b, 0)}  (${berth.map((x) => x.toFixed(0)).join(', ')} ms)`);
  console.log(`docker run + wait-for-port   median ${ms(s, 0)}  (${shell.map((x) => x.toFixed(0)).join(', ')} ms)`);
  console.log(`berth / by hand              ${ratio(b, s)}  (target <= ${RATIO_TARGET}x); median of per-repetition ratios ${Number.isFinite(paired) ? `${paired.toFixed(2)}x` : 'n/a'}`);
  const rows: SummaryRow[] = [
    { bench: 'session-start', metric: '2 services ready: berth/docker run+wait', value: `${ratio(b, s)} (${ms(b, 0)} / ${ms(s, 0)})`, target: `≤ ${RATIO_TARGET}x`, verdict: verdict(b / s, RATIO_TARGET) },
  ];
  emitSummary(rows);
  return failures.length > 0 ? 1 : 0;
}

function writeProject(dir: string, image: string): void {
  mkdirSync(join(dir, '.orchest'), { recursive: true });
  const services = Object.fromEntries(SERVICES.map(([name, port], order) => [name, { name, image, command: 'python3', args: `-m http.server ${port}`, ports: [port], scope: ['interactive'], order }]));
  const pipeline = { name: 'session-bench', uuid: 'eeeeeeee-0000-4000-8000-000000000000', version: '1.2.3', parameters: {}, settings: {}, steps: {}, services };
  writeFileSync(join(dir, 'bench.orchest'), JSON.stringify(pipeline, null, 2));
}

process.exitCode = await main();
