/**
 * Memory benchmark: 100 consecutive runs of a small pipeline through one in-process Engine;
 * heap and RSS after runs 10, 50 and 100. Run with --expose-gc so each sample follows a full GC.
 *
 *   node --expose-gc bench/memory.ts [--runs 100] [--steps 10]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig } from '../src/config/config.ts';
import { Engine } from '../src/engine/engine.ts';
import { randomDag } from './dag-shapes.ts';
import { writeProject } from './lib/project.ts';
import { median, mib, ms, ratio } from './lib/stats.ts';
import { emitSummary, type SummaryRow } from './lib/summary.ts';

/** "Flat": heap after the last run within this factor of the heap after run 10. */
const FLAT_RATIO = 1.2;

interface Sample {
  run: number;
  heapUsed: number;
  rss: number;
  external: number;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      runs: { type: 'string', default: '100' },
      steps: { type: 'string', default: '10' },
    },
  });
  const runs = Math.max(10, Math.min(10_000, Number(values.runs) || 100));
  const dag = randomDag(Math.max(2, Number(values.steps) || 10));
  const checkpoints = [...new Set([10, Math.round(runs / 2), runs])];
  const gc = globalThis.gc;
  console.log(`memory: ${runs} runs of ${dag.name} (${dag.parents.flat().length} edges) through one Engine; samples after runs ${checkpoints.join(', ')}`);
  console.log(gc ? 'each sample after global.gc()' : 'WARNING: no global.gc (run with --expose-gc): samples include garbage');
  const root = mkdtempSync(join(tmpdir(), 'berth-bench-memory-'));
  const samples: Sample[] = [];
  const wall: number[] = [];
  try {
    const project = writeProject(join(root, 'project'), dag, availableParallelism());
    const engine = await Engine.open(loadConfig({ ...process.env, BERTH_HOME: join(root, 'home') }));
    try {
      for (let run = 1; run <= runs; run++) {
        const t0 = performance.now();
        const r = await engine.runPipeline({ pipelinePath: project.pipelinePath, runType: 'full', steps: [], failFast: false, params: {} });
        wall.push(performance.now() - t0);
        if (r.run.status !== 'SUCCESS') throw new Error(`run ${run} ended ${r.run.status}: ${JSON.stringify(r.steps.filter((s) => s.status !== 'SUCCESS'))}`);
        if (!checkpoints.includes(run)) continue;
        gc?.();
        const m = process.memoryUsage();
        samples.push({ run, heapUsed: m.heapUsed, rss: m.rss, external: m.external });
      }
    } finally {
      await engine.close();
    }
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
  emitSummary(report(samples, wall));
}

function report(samples: Sample[], wall: number[]): SummaryRow[] {
  for (const s of samples) console.log(`  after run ${String(s.run).padStart(4)}: heapUsed ${mib(s.heapUsed)}, rss ${mib(s.rss)}, external ${mib(s.external)}`);
  const first = samples[0]!;
  const last = samples[samples.length - 1]!;
  const runsBetween = last.run - first.run;
  const heapSlope = (last.heapUsed - first.heapUsed) / runsBetween / 1024;
  const rssSlope = (last.rss - first.rss) / runsBetween / 1024;
  const heapRatio = last.heapUsed / first.heapUsed;
  console.log(`  slope runs ${first.run}→${last.run}: heap ${heapSlope.toFixed(1)} KiB/run, rss ${rssSlope.toFixed(1)} KiB/run`);
  console.log(`  heap after ${last.run} / after ${first.run}: ${ratio(last.heapUsed, first.heapUsed)} (flat: ≤ ${FLAT_RATIO}x); rss ${ratio(last.rss, first.rss)}`);
  console.log(`  run time median ${ms(median(wall))} (first 10: ${ms(median(wall.slice(0, 10)))}, last 10: ${ms(median(wall.slice(-10)))})`);
  return [
    { bench: 'memory', metric: `heap after ${last.run} / after ${first.run}`, value: `${heapRatio.toFixed(2)}x (${heapSlope.toFixed(1)} KiB/run)`, target: `≤ ${FLAT_RATIO}x`, verdict: heapRatio <= FLAT_RATIO ? 'ok' : 'over' },
    { bench: 'memory', metric: `rss after ${last.run} / after ${first.run}`, value: `${(last.rss / first.rss).toFixed(2)}x (${rssSlope.toFixed(1)} KiB/run)`, target: '-', verdict: 'info' },
  ];
}

if (import.meta.main) await main();
