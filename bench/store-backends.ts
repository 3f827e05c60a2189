/**
 * PostgreSQL against SQLite, both measured in the same run (ratios, since the machine is shared):
 *  1. the store alone, in-process: runs through their life (create with S steps, claim, every step
 *     started and ended, run ended; the real event recorder as hook) by W concurrent workers —
 *     runs/s and claim latency p50/p99;
 *  2. through the API: R runs of an S-step pipeline (bash no-op steps) posted at once to one server
 *     on SQLite, one on PostgreSQL, and three on one PostgreSQL database (runs spread round-robin) —
 *     runs/s from the first POST to the last run's end.
 *
 *   node bench/store-backends.ts [--runs 40] [--steps 100] [--workers 4] [--api-runs 12] [--api-steps 20]
 *
 * Needs PostgreSQL at BERTH_TEST_POSTGRES_URL (default postgres://postgres@127.0.0.1:5432/test): a
 * database is created per measure and dropped after.
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { EventRecorder } from '../src/events/event-recorder.ts';
import { openStore } from '../src/store/open-store.ts';
import { ProjectRepository } from '../src/store/project-repository.ts';
import { RunRepository } from '../src/store/run-repository.ts';
import { startServerProcess } from '../test/helpers/berth-server-process.ts';
import { BACKENDS, freshStore, type Backend } from '../test/helpers/store-backends.ts';
import { ms, percentile, ratio, table } from './lib/stats.ts';
import { emitSummary, verdict, type SummaryRow } from './lib/summary.ts';

const ADMIN = 'bench-store-admin-token-0123456789';

interface StoreResult {
  runsPerSecond: number;
  claimP50: number;
  claimP99: number;
}

async function storeBench(backend: Backend, runs: number, steps: number, workers: number): Promise<StoreResult> {
  const store = await freshStore(backend);
  const db = await openStore(store.location);
  try {
    const recorder = new EventRecorder({ now: () => new Date().toISOString(), salt: () => 'salt' });
    const repo = new RunRepository(db, { hook: recorder.record });
    const project = await new ProjectRepository(db, { hook: recorder.record }).ensure('/bench', 'bench', new Date().toISOString());
    const claims: number[] = [];
    let next = 0;
    const t0 = performance.now();
    await Promise.all(
      Array.from({ length: workers }, async () => {
        while (next < runs) {
          next++;
          const uuid = randomUUID();
          const now = () => new Date().toISOString();
          const stepIds = Array.from({ length: steps }, (_, i) => `s${i}`);
          await repo.create(
            { uuid, project_uuid: project.uuid, pipeline_uuid: randomUUID(), pipeline_path: 'b.orchest', pipeline_name: 'b', run_type: 'full', kind: 'job', status: 'PENDING', fail_fast: 0, parameters_json: '{}', runtime: 'process', run_dir: '/r', reason: null, owner_pid: process.pid, owner_host: 'bench', owner_start: null, created_at: now(), started_at: null, finished_at: null },
            stepIds.map((s, position) => ({ run_uuid: uuid, step_uuid: s, title: s, file_path: `${s}.sh`, position, status: 'PENDING', started_at: null, finished_at: null, exit_code: null, reason: null, log_path: `/l/${s}`, handle_json: null })),
          );
          const c0 = performance.now();
          if (!(await repo.claim(uuid, now()))) throw new Error('claim refused');
          claims.push(performance.now() - c0);
          for (const s of stepIds) {
            await repo.startStep(uuid, s, now());
            await repo.finishStep(uuid, s, { status: 'SUCCESS', now: now(), exitCode: 0 });
          }
          await repo.finish(uuid, 'SUCCESS', now());
        }
      }),
    );
    const seconds = (performance.now() - t0) / 1000;
    return { runsPerSecond: runs / seconds, claimP50: percentile(claims, 50), claimP99: percentile(claims, 99) };
  } finally {
    await db.destroy();
    await store.drop();
  }
}

async function apiBench(backend: Backend, servers: number, runs: number, steps: number): Promise<number> {
  const store = await freshStore(backend);
  const project = mkdtempSync(join(tmpdir(), 'berth-bench-api-'));
  mkdirSync(join(project, '.orchest'));
  const stepsJson: Record<string, unknown> = {};
  for (let i = 0; i < steps; i++) {
    const uuid = `00000000-0000-4000-8000-${String(i + 1).padStart(12, '0')}`;
    writeFileSync(join(project, `s${i}.sh`), ':\n');
    stepsJson[uuid] = { uuid, title: `s${i}`, file_path: `s${i}.sh`, incoming_connections: [], kernel: { name: 'python', display_name: 'Python 3' }, environment: '', parameters: {}, meta_data: { position: [0, 0], hidden: false } };
  }
  writeFileSync(join(project, 'p.orchest'), JSON.stringify({ name: 'p', uuid: '11111111-2222-4333-8444-555555555555', version: '1.2.3', settings: { auto_eviction: false, data_passing_memory_size: '1GB' }, parameters: {}, steps: stepsJson }));
  const env = { ...store.env, BERTH_ADMIN_TOKEN: ADMIN, BERTH_MAX_JOB_RUNS: '0', BERTH_MAX_INTERACTIVE_RUNS: '0' };
  const started: Awaited<ReturnType<typeof startServerProcess>>[] = [];
  try {
    // One server first (it migrates), then the others.
    started.push(await startServerProcess(env));
    started.push(...(await Promise.all(Array.from({ length: servers - 1 }, () => startServerProcess(env)))));
    const call = async (i: number, method: string, path: string, body?: unknown) => {
      const res = await fetch(`${started[i % started.length]!.url}${path}`, { method, headers: { authorization: `Bearer ${ADMIN}`, ...(body ? { 'content-type': 'application/json' } : {}) }, body: body ? JSON.stringify(body) : undefined });
      if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
      return res.json() as Promise<any>;
    };
    await call(0, 'POST', '/api/projects', { name: 'bench', path: project });
    const t0 = performance.now();
    const uuids = await Promise.all(Array.from({ length: runs }, async (_, i) => (await call(i, 'POST', '/api/projects/bench/runs', { pipeline: 'p.orchest', kind: 'job' })).run.uuid as string));
    for (const [i, uuid] of uuids.entries()) {
      for (;;) {
        const r = await call(i, 'GET', `/api/runs/${uuid}`);
        if (r.run.status !== 'PENDING' && r.run.status !== 'STARTED') {
          if (r.run.status !== 'SUCCESS') throw new Error(`run ${uuid} ended ${r.run.status}: ${r.run.reason}`);
          break;
        }
        await new Promise((r) => setTimeout(r, 50));
      }
    }
    return runs / ((performance.now() - t0) / 1000);
  } finally {
    for (const s of started) await s.stop().catch(() => undefined);
    await store.drop();
    rmSync(project, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { runs: { type: 'string', default: '40' }, steps: { type: 'string', default: '100' }, workers: { type: 'string', default: '4' }, 'api-runs': { type: 'string', default: '12' }, 'api-steps': { type: 'string', default: '20' } } });
  const runs = Math.max(4, Number(values.runs) || 40);
  const steps = Math.max(1, Number(values.steps) || 100);
  const workers = Math.max(1, Number(values.workers) || 4);
  const apiRuns = Math.max(2, Number(values['api-runs']) || 12);
  const apiSteps = Math.max(1, Number(values['api-steps']) || 20);

  console.log(`store: ${runs} runs × ${steps} steps, ${workers} concurrent workers, event recorder on`);
  const store: Record<string, StoreResult> = {};
  for (const b of BACKENDS) store[b] = await storeBench(b, runs, steps, workers);
  console.log(table(['backend', 'runs/s', 'claim p50', 'claim p99'], BACKENDS.map((b) => [b, store[b]!.runsPerSecond.toFixed(1), ms(store[b]!.claimP50, 2), ms(store[b]!.claimP99, 2)])));
  const storeRatio = store.postgres!.runsPerSecond / store.sqlite!.runsPerSecond;
  console.log(`postgres/sqlite runs/s: ${ratio(store.postgres!.runsPerSecond, store.sqlite!.runsPerSecond)}`);

  console.log(`\napi: ${apiRuns} runs × ${apiSteps} no-op steps posted at once`);
  const sqlite1 = await apiBench('sqlite', 1, apiRuns, apiSteps);
  const pg1 = await apiBench('postgres', 1, apiRuns, apiSteps);
  const pg3 = await apiBench('postgres', 3, apiRuns, apiSteps);
  console.log(table(['setup', 'runs/s'], [['sqlite, 1 server', sqlite1.toFixed(2)], ['postgres, 1 server', pg1.toFixed(2)], ['postgres, 3 servers', pg3.toFixed(2)]]));
  console.log(`postgres/sqlite (1 server): ${ratio(pg1, sqlite1)}   3 servers/1 server (postgres): ${ratio(pg3, pg1)}`);

  const rows: SummaryRow[] = [
    { bench: 'store-backends', metric: 'store runs/s postgres/sqlite', value: storeRatio.toFixed(2), target: '≥ 0.8', verdict: verdict(-storeRatio, -0.8) },
    { bench: 'store-backends', metric: 'claim p99 postgres', value: ms(store.postgres!.claimP99, 2), target: '', verdict: 'info' },
    { bench: 'store-backends', metric: 'api runs/s postgres/sqlite', value: (pg1 / sqlite1).toFixed(2), target: '≥ 0.8', verdict: verdict(-(pg1 / sqlite1), -0.8) },
    { bench: 'store-backends', metric: 'api runs/s 3 servers/1', value: (pg3 / pg1).toFixed(2), target: '≥ 1.5', verdict: verdict(-(pg3 / pg1), -1.5) },
  ];
  emitSummary(rows);
}

await main();
