/**
 * Webhook benchmark, two measures with their baselines taken in the same run:
 *  1. deliveries/s: the dispatcher sending N outbox deliveries to a local receiver, against raw
 *     HTTP POSTs of the same bodies to the same receiver at the same concurrency (no store);
 *  2. event write overhead: a 100-step chain run with 3 webhook subscribers (events + 3 outbox
 *     rows per run transition, written in the run's transactions) against the same run with none;
 *  3. the same overhead on the run's store writes alone (no processes: far less noise), against
 *     no events at all and against events with no subscriber.
 *
 *   node bench/webhooks.ts [--deliveries 2000] [--reps 5] [--steps 100]
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig } from '../src/config/config.ts';
import { Engine } from '../src/engine/engine.ts';
import { httpPost } from '../src/events/http-post.ts';
import { EventRecorder } from '../src/events/event-recorder.ts';
import { openStore } from '../src/store/open-store.ts';
import { RunRepository } from '../src/store/run-repository.ts';
import { SubscriberRepository } from '../src/store/subscriber-repository.ts';
import { chain } from './dag-shapes.ts';
import { writeProject } from './lib/project.ts';
import { median, ms, ratio, table } from './lib/stats.ts';
import { emitSummary, verdict, type SummaryRow } from './lib/summary.ts';

const OVERHEAD_TARGET = 0.05;

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { deliveries: { type: 'string', default: '2000' }, reps: { type: 'string', default: '5' }, steps: { type: 'string', default: '100' } } });
  const n = Math.max(100, Number(values.deliveries) || 2000);
  const reps = Math.max(1, Number(values.reps) || 5);
  const steps = Math.max(2, Number(values.steps) || 100);
  const root = mkdtempSync(join(tmpdir(), 'berth-bench-webhooks-'));
  let received = 0;
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      received++;
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  const rows: SummaryRow[] = [];
  let runWall = Number.NaN;
  try {
    const engine = await Engine.open(loadConfig({ ...process.env, BERTH_HOME: join(root, 'home') }));
    try {
      // 1. Throughput.
      const hook = await engine.outbox.webhooks.add({ name: 'bench', url, secret: 'bench-secret-0123456789', subscriptions: [{ event_type: '*' }] });
      const project = writeProject(join(root, 'project'), chain(2), 2);
      await engine.runPipeline({ pipelinePath: project.pipelinePath });
      const db = await openStore(engine.config.dbPath);
      const projectUuid = (await db.selectFrom('projects').select('uuid').executeTakeFirstOrThrow()).uuid;
      const before = (await engine.outbox.webhooks.deliveries({ limit: 100_000 })).length;
      for (let i = 0; i < n; i += 100) {
        await db.transaction().execute(async (tx) => {
          for (let j = i; j < Math.min(n, i + 100); j++) await engine.outbox.recorder.record(tx, { entity: 'project', verb: 'updated', projectUuid });
        });
      }
      const sample = (await db.selectFrom('deliveries').select(['payload_json', 'event_type']).limit(1).executeTakeFirstOrThrow());
      await db.destroy();
      const dispatcher = engine.outbox.dispatcher();
      const concurrency = Math.ceil(engine.config.webhooks.concurrency / 2);
      const due = n + before;
      received = 0;
      let t0 = performance.now();
      dispatcher.start();
      while (received < due) await new Promise((r) => setTimeout(r, 2));
      const dispatchMs = performance.now() - t0;
      await dispatcher.stop();
      const sent = received;
      // Baseline: the same number of POSTs of a same-sized body, same concurrency, no store.
      received = 0;
      let next = 0;
      t0 = performance.now();
      await Promise.all(Array.from({ length: concurrency }, async () => {
        while (next++ < sent) await httpPost(url, sample.payload_json, { 'content-type': 'application/json' }, { timeoutMs: 5000, verifyTls: true });
      }));
      const rawMs = performance.now() - t0;
      const dispatchRate = (sent / dispatchMs) * 1000;
      const rawRate = (sent / rawMs) * 1000;
      console.log(`\ndeliveries: ${sent} sent (${before} from the set-up run), ${concurrency} in flight to one receiver (webhook "${hook.webhook.name}")`);
      console.log(table(['path', 'time', 'deliveries/s'], [
        ['dispatcher (claim, sign, POST, record)', ms(dispatchMs, 0), dispatchRate.toFixed(0)],
        ['raw POST baseline', ms(rawMs, 0), rawRate.toFixed(0)],
      ]));
      console.log(`dispatcher / raw throughput: ${ratio(dispatchRate, rawRate)}`);
      rows.push({ bench: 'webhooks', metric: 'deliveries/s (dispatcher / raw POST)', value: `${dispatchRate.toFixed(0)}/s (${ratio(dispatchRate, rawRate)})`, target: '-', verdict: 'info' });

      // 2. Event write overhead on a 100-step run.
      const big = writeProject(join(root, 'big'), chain(steps), 2);
      const run = async () => {
        const t = performance.now();
        const r = await engine.runPipeline({ pipelinePath: big.pipelinePath });
        if (r.run.status !== 'SUCCESS') throw new Error(`bench run ended ${r.run.status}`);
        return performance.now() - t;
      };
      await engine.outbox.webhooks.remove('bench');
      await run();
      const without: number[] = [];
      const withSubs: number[] = [];
      for (let rep = 0; rep < reps; rep++) {
        // Alternating order so drift on a shared machine hits both sides alike.
        for (const side of rep % 2 === 0 ? ['without', 'with'] : ['with', 'without']) {
          for (let s = 0; s < 3; s++) if (side === 'with') await engine.outbox.webhooks.add({ name: `sub${s}`, url, subscriptions: [{ event_type: '*' }] });
          (side === 'with' ? withSubs : without).push(await run());
          if (side === 'with') for (let s = 0; s < 3; s++) await engine.outbox.webhooks.remove(`sub${s}`);
        }
      }
      const overhead = median(withSubs) / median(without) - 1;
      runWall = median(without);
      console.log(`\nevent write overhead: ${steps}-step chain, parallelism 2, ${reps} runs each side (alternating)`);
      console.log(table(['subscribers', 'median wall', 'runs'], [
        ['none', ms(median(without), 0), without.map((x) => x.toFixed(0)).join(' ')],
        ['3 webhooks', ms(median(withSubs), 0), withSubs.map((x) => x.toFixed(0)).join(' ')],
      ]));
      console.log(`with / without: ${ratio(median(withSubs), median(without))} → overhead ${(overhead * 100).toFixed(1)}% (target < ${OVERHEAD_TARGET * 100}%)`);
      rows.push({ bench: 'webhooks', metric: `end-to-end ${steps}-step run, 3 subscribers / none (noisy)`, value: `${(overhead * 100).toFixed(1)}%`, target: `< ${OVERHEAD_TARGET * 100}%`, verdict: verdict(overhead, OVERHEAD_TARGET) });
    } finally {
      await engine.close();
    }
    const store = await storeWriteOverhead(join(root, 'store.db'), steps, reps * 4);
    // The events' own cost (store with events + 3 subscribers minus store without) against the
    // whole run: the same quantity as the end-to-end ratio, without the steps' process noise.
    const share = (store.withSubscribers - store.none) / runWall;
    console.log(`events' added store time per run / median run wall: ${ms(store.withSubscribers - store.none)} / ${ms(runWall, 0)} = ${(share * 100).toFixed(2)}% (target < ${OVERHEAD_TARGET * 100}%)`);
    rows.push({ bench: 'webhooks', metric: `events' store time / ${steps}-step run wall (3 subscribers)`, value: `${(share * 100).toFixed(2)}%`, target: `< ${OVERHEAD_TARGET * 100}%`, verdict: verdict(share, OVERHEAD_TARGET) });
    rows.push({ bench: 'webhooks', metric: `store writes alone, events + 3 subscribers / none`, value: ratio(store.withSubscribers, store.none), target: '-', verdict: 'info' });
  } finally {
    server.closeAllConnections();
    server.close();
    rmSync(root, { recursive: true, force: true });
  }
  emitSummary(rows);
}

/**
 * The store writes of one run of `steps` steps (create, claim, a start and an end per step,
 * finish), timed without events, with events and no subscriber, and with events and 3
 * subscribers: the part of a run that events add to, without the steps' process noise.
 */
async function storeWriteOverhead(path: string, steps: number, iterations: number): Promise<{ none: number; withSubscribers: number }> {
  const db = await openStore(path);
  const now = () => new Date().toISOString();
  const recorder = new EventRecorder({ now, salt: () => 'bench' });
  await db.insertInto('projects').values({ uuid: 'p', name: 'p', path: '/p', created_at: now() }).execute();
  const plain = new RunRepository(db);
  const recorded = new RunRepository(db, { hook: recorder.record });
  const subscribers = new SubscriberRepository(db);
  const cycle = async (repo: RunRepository) => {
    const uuid = randomUUID();
    const t = performance.now();
    await repo.create(
      { uuid, project_uuid: 'p', pipeline_uuid: 'q', pipeline_path: 'q.orchest', pipeline_name: 'q', run_type: 'full', kind: 'job', status: 'PENDING', fail_fast: 0, parameters_json: '{}', runtime: 'process', run_dir: '/tmp', reason: null, owner_pid: null, owner_host: null, owner_start: null, created_at: now(), started_at: null, finished_at: null },
      Array.from({ length: steps }, (_, i) => ({ run_uuid: uuid, step_uuid: `s${i}`, title: `s${i}`, file_path: 's.sh', position: i, status: 'PENDING', started_at: null, finished_at: null, exit_code: null, reason: null, log_path: '/tmp/x', handle_json: null })),
    );
    await repo.claim(uuid, now());
    for (let i = 0; i < steps; i++) {
      await repo.startStep(uuid, `s${i}`, now());
      await repo.finishStep(uuid, `s${i}`, { status: 'SUCCESS', now: now(), exitCode: 0 });
    }
    await repo.finish(uuid, 'SUCCESS', now());
    return performance.now() - t;
  };
  const times = { none: [] as number[], events: [] as number[], subscribers: [] as number[] };
  for (const repo of [plain, recorded, plain]) await cycle(repo);
  for (let i = 0; i < iterations; i++) {
    const order = (['none', 'events', 'subscribers'] as const).slice();
    if (i % 2 === 1) order.reverse();
    for (const variant of order) {
      if (variant === 'subscribers') {
        for (let s = 0; s < 3; s++) await subscribers.add({ uuid: `w${s}`, kind: 'webhook', name: `w${s}`, url: 'http://127.0.0.1:9/', secret_sealed: null, content_type: 'application/json', format: 'generic', verify_ssl: 1, created_at: now() }, [{ event_type: '*', project_uuid: '', job_uuid: '' }]);
      }
      times[variant].push(await cycle(variant === 'none' ? plain : recorded));
      if (variant === 'subscribers') for (let s = 0; s < 3; s++) await subscribers.remove(`w${s}`);
    }
  }
  await db.destroy();
  const none = median(times.none);
  const overhead = median(times.subscribers) / none - 1;
  console.log(`\nstore writes of one ${steps}-step run (create, claim, ${2 * steps} step updates, finish), ${iterations} each, alternating`);
  console.log(table(['variant', 'median', 'vs no events'], [
    ['no events (no hook)', ms(none), '1.00x'],
    ['events, no subscriber', ms(median(times.events)), ratio(median(times.events), none)],
    ['events + 3 subscribers', ms(median(times.subscribers)), ratio(median(times.subscribers), none)],
  ]));
  console.log(`events + 3 subscribers add ${(overhead * 100).toFixed(1)}% to the run's store writes (${ms(median(times.subscribers) - none)} per run)`);
  return { none, withSubscribers: median(times.subscribers) };
}

await main();
