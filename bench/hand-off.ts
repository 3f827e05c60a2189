/**
 * Hand-off benchmark: the same 500-step DAGs run by `make -j<P>` and `berth run --json` with the
 * same parallelism, K alternating repetitions, medians. See bench/README.md.
 *
 *   node bench/hand-off.ts [--reps 3] [--steps 500] [--parallelism <cpus>] [--shapes chain,wide,random] [--keep]
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { chain, dagStats, handOffShapes, type Dag } from './dag-shapes.ts';
import { launchGaps, stepDelays, type StepDelays } from './lib/handoff-metrics.ts';
import { writeProject, type WrittenProject } from './lib/project.ts';
import { median, ms, percentile, ratio } from './lib/stats.ts';
import { emitSummary, verdict, type SummaryRow } from './lib/summary.ts';
import { runBerth, runMake, type BerthRun, type ToolRun } from './lib/tools.ts';

const RATIO_TARGET = 1.5;
const HANDOFF_P50_TARGET_MS = 5;

interface Measured {
  make: number[];
  berth: number[];
  delays: StepDelays;
  makeGaps: number[];
  berthGaps: number[];
  failures: string[];
}

interface Options {
  reps: number;
  parallelism: number;
  timeoutMs: number;
  root: string;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      reps: { type: 'string', default: '3' },
      steps: { type: 'string', default: '500' },
      parallelism: { type: 'string', default: String(availableParallelism()) },
      shapes: { type: 'string', default: 'chain,wide,random' },
      seed: { type: 'string', default: '42' },
      'timeout-s': { type: 'string', default: '1200' },
      keep: { type: 'boolean', default: false },
    },
  });
  const wanted = values.shapes.split(',');
  const shapes = handOffShapes(positive(values.steps, 'steps'), Number(values.seed)).filter((d) => wanted.some((w) => d.name.startsWith(`${w}-`)));
  const opts: Options = {
    reps: positive(values.reps, 'reps'),
    parallelism: positive(values.parallelism, 'parallelism'),
    timeoutMs: positive(values['timeout-s'], 'timeout-s') * 1000,
    root: mkdtempSync(join(tmpdir(), 'berth-bench-handoff-')),
  };
  console.log(`hand-off: make -j${opts.parallelism} vs berth run --json, max_steps_parallelism=${opts.parallelism} (CPUs: ${availableParallelism()}), K=${opts.reps} alternating, medians`);
  console.log(`projects under ${opts.root}; every berth run gets a fresh BERTH_HOME; NODE_COMPILE_CACHE ${process.env.NODE_COMPILE_CACHE ? 'set' : 'not set'}`);
  const rows: SummaryRow[] = [];
  try {
    const startup = await measureShape(chain(1), opts, true);
    const makeStart = median(startup.make);
    const berthStart = median(startup.berth);
    console.log(`\nstart-up (1-step pipeline): make ${ms(makeStart)}, berth ${ms(berthStart)} (node start + load + store open + 1 step)`);
    printFailures(startup);
    rows.push({ bench: 'hand-off', metric: 'berth start-up (1 step)', value: ms(berthStart), target: '-', verdict: Number.isFinite(berthStart) ? 'info' : 'failed' });
    for (const dag of shapes) {
      const m = await measureShape(dag, opts, false);
      rows.push(...report(dag, m, makeStart, berthStart));
    }
  } finally {
    if (values.keep) console.log(`\nkept ${opts.root}`);
    else rmSync(opts.root, { recursive: true, force: true });
  }
  emitSummary(rows);
}

async function measureShape(dag: Dag, opts: Options, isStartup: boolean): Promise<Measured> {
  const dir = join(opts.root, dag.name);
  mkdirSync(dir);
  const project = writeProject(dir, dag, opts.parallelism);
  const m: Measured = { make: [], berth: [], delays: { handOff: [], dispatch: [], spawn: [], exit: [] }, makeGaps: [], berthGaps: [], failures: [] };
  if (isStartup) {
    await runMake(project, opts.parallelism, opts.timeoutMs);
    await runBerth(project, dir, opts.timeoutMs);
  }
  for (let rep = 0; rep < opts.reps; rep++) {
    const makeFirst = rep % 2 === 0;
    const first = makeFirst ? await oneMake(dag, project, opts, m) : await oneBerth(dag, project, opts, m);
    const second = makeFirst ? await oneBerth(dag, project, opts, m) : await oneMake(dag, project, opts, m);
    if (!isStartup) process.stdout.write(`  ${dag.name} rep ${rep + 1}/${opts.reps}: ${makeFirst ? 'make' : 'berth'} ${ms(first.wallMs, 0)}, ${makeFirst ? 'berth' : 'make'} ${ms(second.wallMs, 0)}\n`);
  }
  return m;
}

async function oneMake(dag: Dag, project: WrittenProject, opts: Options, m: Measured): Promise<ToolRun> {
  const r = await runMake(project, opts.parallelism, opts.timeoutMs);
  if (r.failure) m.failures.push(r.failure);
  else {
    m.make.push(r.wallMs);
    if (isChain(dag)) m.makeGaps.push(...launchGaps(dag, r.markers));
  }
  return r;
}

async function oneBerth(dag: Dag, project: WrittenProject, opts: Options, m: Measured): Promise<BerthRun> {
  const r = await runBerth(project, project.dir, opts.timeoutMs);
  if (r.failure || !r.report) {
    m.failures.push(r.failure ?? 'no report');
    return r;
  }
  m.berth.push(r.wallMs);
  const d = stepDelays(dag, r.report, r.markers);
  for (const key of ['handOff', 'dispatch', 'spawn', 'exit'] as const) m.delays[key].push(...d[key]);
  if (isChain(dag)) m.berthGaps.push(...launchGaps(dag, r.markers));
  return r;
}

/** Only in a chain is a step's predecessor unambiguous, so only chains get launch→launch gaps. */
function isChain(dag: Dag): boolean {
  return dag.parents.every((ps, i) => (i === 0 ? ps.length === 0 : ps.length === 1 && ps[0] === i - 1));
}

function report(dag: Dag, m: Measured, makeStart: number, berthStart: number): SummaryRow[] {
  const st = dagStats(dag);
  const make = median(m.make);
  const berth = median(m.berth);
  const r = berth / make;
  const d = m.delays;
  const p = (xs: number[]) => `p50 ${ms(percentile(xs, 50))}, p95 ${ms(percentile(xs, 95))} (n=${xs.length})`;
  console.log(`\n${dag.name}: ${st.steps} steps, ${st.edges} edges, depth ${st.depth}, ${st.roots} root(s), ${st.sinks} sink(s)`);
  console.log(`  wall (median)      make ${ms(make)}, berth ${ms(berth)}, berth/make ${ratio(berth, make)} (target ≤ ${RATIO_TARGET})`);
  console.log(`  minus start-up     make ${ms(make - makeStart)}, berth ${ms(berth - berthStart)}, berth/make ${ratio(berth - berthStart, make - makeStart)}`);
  console.log(`  per step           make ${ms(make / st.steps, 2)}, berth ${ms(berth / st.steps, 2)}`);
  console.log('  per-step delays from the run report (1 ms timestamp resolution) and the steps\' own start markers (µs):');
  console.log(`  hand-off           ${p(d.handOff)}  parent finished → child started (target p50 ≤ ${HANDOFF_P50_TARGET_MS} ms)`);
  console.log(`  dispatch           ${p(d.dispatch)}  latest finish of any step → start (slot waits excluded)`);
  console.log(`  spawn              ${p(d.spawn)}  recorded start → step's first line ran`);
  console.log(`  exit               ${p(d.exit)}  step's first line ran → recorded finish`);
  if (m.makeGaps.length > 0 || m.berthGaps.length > 0) {
    const mg = percentile(m.makeGaps, 50);
    const bg = percentile(m.berthGaps, 50);
    console.log(`  launch→launch      make p50 ${ms(mg, 2)}, berth p50 ${ms(bg, 2)}, berth/make ${ratio(bg, mg)}  (step's first line − parent's first line)`);
  }
  printFailures(m);
  const handOffP50 = percentile(d.handOff, 50);
  const dispatchP50 = percentile(d.dispatch, 50);
  const rows: SummaryRow[] = [
    { bench: 'hand-off', metric: `${dag.name} wall berth/make`, value: Number.isFinite(r) ? `${r.toFixed(2)}x (${ms(berth, 0)} / ${ms(make, 0)})` : 'n/a', target: `≤ ${RATIO_TARGET}x`, verdict: verdict(r, RATIO_TARGET) },
    // Judged on dispatch: with P below the DAG's width, parent→child also counts waiting for a slot.
    { bench: 'hand-off', metric: `${dag.name} p50 parent→child | dispatch`, value: `${ms(handOffP50)} | ${ms(dispatchP50)}`, target: `≤ ${HANDOFF_P50_TARGET_MS} ms`, verdict: verdict(dispatchP50, HANDOFF_P50_TARGET_MS) },
  ];
  if (m.berthGaps.length > 0 && m.makeGaps.length > 0) {
    const mg = percentile(m.makeGaps, 50);
    const bg = percentile(m.berthGaps, 50);
    rows.push({ bench: 'hand-off', metric: `${dag.name} launch→launch p50 berth/make`, value: `${ratio(bg, mg)} (${ms(bg, 2)} / ${ms(mg, 2)})`, target: '-', verdict: 'info' });
  }
  return rows;
}

function printFailures(m: Measured): void {
  const counts = new Map<string, number>();
  for (const f of m.failures) counts.set(f, (counts.get(f) ?? 0) + 1);
  for (const [f, n] of counts) console.log(`  FAILED${n > 1 ? ` (${n}x)` : ''}: ${f}`);
}

function positive(raw: string, name: string): number {
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} must be a positive integer, got "${raw}"`);
  return n;
}

if (import.meta.main) await main();
