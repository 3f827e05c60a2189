/**
 * Planning benchmark: parsePipeline (validation) + planRun on generated 10,000-step pipelines,
 * against JSON.parse of the same file text measured in the same iterations. See bench/README.md.
 *
 *   node bench/planning.ts [--iterations 20] [--steps 10000]
 */
import { parseArgs } from 'node:util';
import { parsePipeline } from '../src/core/pipeline-validation.ts';
import { planRun } from '../src/core/run-planner.ts';
import { dagStats, planningShapes, type Dag } from './dag-shapes.ts';
import { pipelineJson } from './lib/project.ts';
import { median, ms, ratio, timeIt } from './lib/stats.ts';
import { emitSummary, verdict, type SummaryRow } from './lib/summary.ts';

const TARGET_MS = 200;
const WARM_UP = 3;

interface Timings {
  json: number[];
  validate: number[];
  plan: number[];
  total: number[];
}

function measure(dag: Dag, iterations: number): Timings {
  const text = JSON.stringify(pipelineJson(dag, 0), null, 2);
  const t: Timings = { json: [], validate: [], plan: [], total: [] };
  for (let i = 0; i < WARM_UP + iterations; i++) {
    let raw: unknown;
    let pipeline: ReturnType<typeof parsePipeline> | undefined;
    let planned = 0;
    const json = timeIt(() => (raw = JSON.parse(text)));
    const validate = timeIt(() => (pipeline = parsePipeline(raw as Parameters<typeof parsePipeline>[0], { pipelineDir: '' })));
    const plan = timeIt(() => (planned = planRun(pipeline!, 'full', []).steps.length));
    if (planned !== dag.titles.length) throw new Error(`${dag.name}: planRun planned ${planned} steps, expected ${dag.titles.length}`);
    if (i < WARM_UP) continue;
    t.json.push(json);
    t.validate.push(validate);
    t.plan.push(plan);
    t.total.push(validate + plan);
  }
  return t;
}

function main(): void {
  const { values } = parseArgs({
    options: {
      iterations: { type: 'string', default: '20' },
      steps: { type: 'string', default: '10000' },
    },
  });
  const iterations = Math.max(1, Math.min(1000, Number(values.iterations) || 20));
  const steps = Math.max(2, Number(values.steps) || 10_000);
  console.log(`planning: parsePipeline + planRun('full'), median of ${iterations} iterations (+${WARM_UP} warm-up); baseline JSON.parse of the same text`);
  const rows: SummaryRow[] = [];
  for (const dag of planningShapes(steps)) {
    const st = dagStats(dag);
    const t = measure(dag, iterations);
    const total = median(t.total);
    const json = median(t.json);
    console.log(`\n${dag.name}: ${st.steps} steps, ${st.edges} edges, depth ${st.depth}`);
    console.log(`  JSON.parse (baseline)   ${ms(json, 2)}`);
    console.log(`  parsePipeline           ${ms(median(t.validate), 2)}  (${ratio(median(t.validate), json)} JSON.parse)`);
    console.log(`  planRun                 ${ms(median(t.plan), 2)}  (${ratio(median(t.plan), json)} JSON.parse)`);
    console.log(`  validate + plan         ${ms(total, 2)}  (${ratio(total, json)} JSON.parse; target < ${TARGET_MS} ms)`);
    rows.push({ bench: 'planning', metric: `${dag.name} validate+plan`, value: `${ms(total)} (${ratio(total, json)} JSON.parse)`, target: `< ${TARGET_MS} ms`, verdict: verdict(total, TARGET_MS) });
  }
  emitSummary(rows);
}

if (import.meta.main) main();
