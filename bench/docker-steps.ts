/**
 * Docker steps benchmark: a 20-step chain of short commands run by `berth run --runtime docker`
 * against a shell loop of `docker run` doing the same work (same image, mounts, working folder,
 * init process, one container per step, removed after). K alternating repetitions, medians.
 *
 *   node bench/docker-steps.ts [--reps 3] [--steps 20] [--image berth-test/busybox:1]
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

const RATIO_TARGET = 1.15;
const TIMEOUT_MS = 10 * 60_000;

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: { reps: { type: 'string', default: '3' }, steps: { type: 'string', default: '20' }, image: { type: 'string', default: 'berth-test/busybox:1' } },
  });
  const reps = Number(values.reps);
  const steps = Number(values.steps);
  const root = mkdtempSync(join(tmpdir(), 'berth-bench-docker-'));
  const project = join(root, 'project');
  const data = join(root, 'data');
  writeProject(project, steps, values.image);
  mkdirSync(data, { recursive: true });
  // What each Berth step container gets, done by hand: project and data mounts, the step's folder as
  // working directory, an init process, the step's variables, removal afterwards.
  const loop = [
    `for i in $(seq 1 ${steps}); do`,
    `  docker run --rm --init -v "${project}:/project-dir" -v "${data}:/data" -w /project-dir/steps \\`,
    `    -e ORCHEST_STEP_UUID=s$i -e ORCHEST_PROJECT_DIR=/project-dir ${values.image} sh /project-dir/steps/s$i.sh || exit 1`,
    'done',
  ].join('\n');
  console.log(`docker-steps: ${steps}-step chain, berth run --runtime docker vs a bash loop of docker run; K=${reps} alternating, medians`);
  const berth: number[] = [];
  const shell: number[] = [];
  const failures: string[] = [];
  const runShell = async (): Promise<void> => {
    const r = await spawnTimed('bash', ['-c', loop], { timeoutMs: TIMEOUT_MS });
    if (r.code === 0 && r.stdout.split('\n').filter((l) => l.startsWith('step ')).length === steps) shell.push(r.wallMs);
    else failures.push(`docker run loop: exit ${r.code}: ${r.stderr.slice(-300)}`);
  };
  const runBerth = async (): Promise<void> => {
    const home = mkdtempSync(join(root, 'home-'));
    const env = { ...process.env, BERTH_HOME: home, BERTH_DATA_DIR: data };
    const r = await spawnTimed(process.execPath, [BERTH_BIN, 'run', join(project, 'bench.orchest'), '--runtime', 'docker', '--json'], { env, timeoutMs: TIMEOUT_MS });
    const ok = r.code === 0 && (JSON.parse(r.stdout) as { run: { status: string } }).run.status === 'SUCCESS';
    if (ok) berth.push(r.wallMs);
    else failures.push(`berth: exit ${r.code}: ${(r.stderr || r.stdout).slice(-300)}`);
  };
  try {
    // Warm-up (page cache, image layers), not counted.
    await alternate(reps, runShell, runBerth, () => ((berth.length = 0), (shell.length = 0)));
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
  for (const f of failures) console.error(`FAILED: ${f}`);
  const b = median(berth);
  const s = median(shell);
  console.log(`berth run --runtime docker  median ${ms(b, 0)}  (${berth.map((x) => x.toFixed(0)).join(', ')} ms)`);
  console.log(`docker run loop             median ${ms(s, 0)}  (${shell.map((x) => x.toFixed(0)).join(', ')} ms)`);
  console.log(`berth / docker run loop     ${ratio(b, s)}  (target <= ${RATIO_TARGET}x)`);
  console.log(`per step                    berth ${ms(b / steps)}  docker run ${ms(s / steps)}`);
  // Each repetition's two runs are back to back, so their ratio is less exposed to the machine's load swings.
  const paired = berth.length === shell.length ? median(berth.map((x, i) => x / shell[i]!)) : Number.NaN;
  console.log(`median of per-repetition ratios ${Number.isFinite(paired) ? `${paired.toFixed(2)}x` : 'n/a'}`);
  const rows: SummaryRow[] = [
    { bench: 'docker-steps', metric: `chain-${steps} wall berth/docker-run loop`, value: `${ratio(b, s)} (${ms(b, 0)} / ${ms(s, 0)})`, target: `≤ ${RATIO_TARGET}x`, verdict: verdict(b / s, RATIO_TARGET) },
    { bench: 'docker-steps', metric: `chain-${steps} per-repetition ratio (median)`, value: Number.isFinite(paired) ? `${paired.toFixed(2)}x` : 'n/a', target: '-', verdict: 'info' },
  ];
  emitSummary(rows);
  return failures.length > 0 ? 1 : 0;
}

/** A chain s1 → s2 → … of one-line shell steps, each in the given image (berth_image). */
function writeProject(dir: string, steps: number, image: string): void {
  mkdirSync(join(dir, 'steps'), { recursive: true });
  mkdirSync(join(dir, '.orchest'), { recursive: true });
  const pipelineSteps: Record<string, unknown> = {};
  for (let i = 1; i <= steps; i++) {
    writeFileSync(join(dir, 'steps', `s${i}.sh`), `echo "step s${i}"\n`);
    pipelineSteps[`s${i}`] = {
      uuid: `s${i}`,
      title: `s${i}`,
      file_path: `steps/s${i}.sh`,
      incoming_connections: i === 1 ? [] : [`s${i - 1}`],
      environment: '',
      berth_image: image,
      kernel: { name: 'python', display_name: 'Python 3' },
      parameters: {},
    };
  }
  const pipeline = { name: 'docker-bench', uuid: 'dddddddd-0000-4000-8000-000000000000', version: '1.2.3', parameters: {}, settings: { max_steps_parallelism: 1 }, steps: pipelineSteps };
  writeFileSync(join(dir, 'bench.orchest'), JSON.stringify(pipeline, null, 2));
}

process.exitCode = await main();
