/**
 * Runs the benchmarks one after another, each in its own Node process (so memory samples and
 * timings are not disturbed by the others), then prints one summary table.
 *
 *   node --expose-gc bench/run-bench.ts [planning] [memory] [hand-off] [data-passing] [instances] [proxy] [webhooks] [--reps 3] [--iterations 20]
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { table } from './lib/stats.ts';
import { SUMMARY_FILE_ENV, type SummaryRow } from './lib/summary.ts';

const BENCHES = ['planning', 'memory', 'hand-off', 'data-passing', 'instances', 'proxy', 'webhooks', 'session-start', 'store-backends'] as const;
type BenchName = (typeof BENCHES)[number];
const HOUR_MS = 60 * 60 * 1000;

function benchArgs(name: BenchName, values: { reps?: string; iterations?: string }): string[] {
  if (name === 'hand-off' && values.reps) return ['--reps', values.reps];
  if (name === 'planning' && values.iterations) return ['--iterations', values.iterations];
  if (name === 'data-passing' && values.reps) return ['--reps', values.reps];
  return [];
}

function main(): number {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { reps: { type: 'string' }, iterations: { type: 'string' } },
  });
  const unknown = positionals.filter((p) => !(BENCHES as readonly string[]).includes(p));
  if (unknown.length > 0) {
    console.error(`unknown benchmark(s): ${unknown.join(', ')} (choose from: ${BENCHES.join(', ')})`);
    return 2;
  }
  const chosen = positionals.length > 0 ? BENCHES.filter((b) => positionals.includes(b)) : [...BENCHES];
  const dir = mkdtempSync(join(tmpdir(), 'berth-bench-summary-'));
  const rows: SummaryRow[] = [];
  const started = new Date();
  try {
    for (const name of chosen) {
      const summaryFile = join(dir, `${name}.json`);
      console.log(`\n=== ${name} ===`);
      const t0 = performance.now();
      const r = spawnSync(process.execPath, ['--expose-gc', join(import.meta.dirname, `${name}.ts`), ...benchArgs(name, values)], {
        stdio: 'inherit',
        env: { ...process.env, [SUMMARY_FILE_ENV]: summaryFile },
        timeout: 2 * HOUR_MS,
      });
      const seconds = ((performance.now() - t0) / 1000).toFixed(1);
      if (r.status === 0 && existsSync(summaryFile)) rows.push(...(JSON.parse(readFileSync(summaryFile, 'utf8')) as SummaryRow[]));
      else rows.push({ bench: name, metric: '(benchmark did not finish)', value: r.error?.message ?? `exit ${r.status ?? r.signal}`, target: '-', verdict: 'failed' });
      console.log(`(${name}: ${seconds} s)`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  console.log(`\n=== summary (${started.toISOString()}, node ${process.version}) ===`);
  console.log(table(['bench', 'metric', 'value', 'target', 'verdict'], rows.map((r) => [r.bench, r.metric, r.value, r.target, r.verdict])));
  return rows.some((r) => r.verdict === 'failed') ? 1 : 0;
}

process.exitCode = main();
