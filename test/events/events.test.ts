import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { loadConfig } from '../../src/config/config.ts';
import { Engine } from '../../src/engine/engine.ts';
import type { StoredEvent } from '../../src/events/event-feed.ts';
import { openStore } from '../../src/store/open-store.ts';
import { RunRepository } from '../../src/store/run-repository.ts';
import { pipeline, Sandbox, writePipeline } from '../helpers/berth-cli.ts';
import { Receiver } from '../helpers/receiver.ts';

describe('events: recorded with the change, queried, followed', () => {
  const box = new Sandbox();
  let engine: Engine;
  box.file('steps/ok.sh', 'echo ok\n');
  box.file('steps/bad.sh', 'exit 1\n');
  const file = writePipeline(box, 'p.orchest', pipeline('p', [{ title: 'Ok', file: 'steps/ok.sh' }, { title: 'Bad', file: 'steps/bad.sh' }]));
  before(async () => {
    engine = await Engine.open(loadConfig(box.env()));
  });
  after(async () => {
    await engine.close();
    box.cleanup();
  });

  it('a run records Orchest-typed events, with payloads built when they happen', async () => {
    const report = await engine.runPipeline({ pipelinePath: file });
    assert.equal(report.run.status, 'FAILURE');
    const page = await engine.outbox.events.list({ limit: 100 });
    assert.deepEqual(page.events.map((e) => e.type).reverse(), [
      'project:created',
      'project:pipeline:created',
      'project:pipeline:interactive-session:pipeline-run:created',
      'project:pipeline:interactive-session:pipeline-run:started',
      'project:pipeline:interactive-session:pipeline-run:failed',
    ]);
    const failed = page.events[0]!;
    const run = failed.project.pipeline!.session!.pipeline_run!;
    assert.equal(run.uuid, report.run.uuid);
    assert.deepEqual(run.failed_steps.map((s) => s.title), ['Bad']);
    assert.equal(page.events.at(-1)!.project.name, 'project');
    const created = page.events.find((e) => e.type.endsWith('pipeline-run:created'))!;
    assert.equal(created.project.pipeline!.session!.pipeline_run!.status, 'PENDING', 'the payload is the state at event time');
  });

  it('filters by type (exact or prefix) and project, and pages with a cursor', async () => {
    const prefixed = await engine.outbox.events.list({ type: 'project:pipeline:interactive-session:' });
    assert.equal(prefixed.events.length, 3);
    const exact = await engine.outbox.events.list({ type: 'project:created' });
    assert.equal(exact.events.length, 1);
    const project = exact.events[0]!.project.uuid;
    assert.equal((await engine.outbox.events.list({ projectUuid: project })).events.length, 5);
    assert.equal((await engine.outbox.events.list({ projectUuid: '00000000-0000-0000-0000-000000000000' })).events.length, 0);
    const first = await engine.outbox.events.list({ limit: 2 });
    assert.equal(first.events.length, 2);
    const second = await engine.outbox.events.list({ limit: 2, before: first.next_cursor! });
    const third = await engine.outbox.events.list({ limit: 2, before: second.next_cursor! });
    assert.equal(third.next_cursor, null);
    const ids = [...first.events, ...second.events, ...third.events].map((e) => e.id);
    assert.deepEqual(ids, [...ids].sort((a, b) => b - a));
    assert.equal(new Set(ids).size, 5);
  });

  it('follow streams new events as they happen', async () => {
    const controller = new AbortController();
    const seen: StoredEvent[] = [];
    const following = (async () => {
      for await (const e of engine.outbox.events.follow({ after: await engine.outbox.events.latestId(), signal: controller.signal })) {
        seen.push(e);
        if (e.type.endsWith('pipeline-run:failed')) controller.abort();
      }
    })();
    await engine.runPipeline({ pipelinePath: file });
    await following;
    assert.deepEqual(seen.map((e) => e.type.split(':').pop()), ['created', 'started', 'failed']);
  });

  it('an event that cannot be written rolls the state change back (same transaction)', async () => {
    const db = await openStore(engine.config.dbPath);
    const [run] = await engine.listRuns({ limit: 1 });
    try {
      await db.updateTable('runs').set({ status: 'STARTED' }).where('uuid', '=', run!.uuid).execute();
      const failing = new RunRepository(db, { hook: async () => { throw new Error('event store full'); } });
      await assert.rejects(failing.finish(run!.uuid, 'SUCCESS', new Date().toISOString()), /event store full/);
      assert.equal(await failing.status(run!.uuid), 'STARTED');
    } finally {
      // Put the run back as it ended, or later runs of this pipeline would queue behind it.
      await db.updateTable('runs').set({ status: run!.status }).where('uuid', '=', run!.uuid).execute();
      await db.destroy();
    }
  });

  it('a hanging receiver does not hold up deliveries to others', async () => {
    const slow = new Receiver();
    const fast = new Receiver();
    slow.respond = () => 'hold';
    const slowUrl = await slow.listen();
    const fastUrl = await fast.listen();
    await engine.outbox.webhooks.add({ name: 'slow', url: slowUrl, subscriptions: [{ event_type: '*' }] });
    await engine.outbox.webhooks.add({ name: 'fast', url: fastUrl, subscriptions: [{ event_type: '*' }] });
    await engine.runPipeline({ pipelinePath: file });
    const dispatcher = engine.outbox.dispatcher({ concurrency: 4, timeoutMs: 60_000, pollMs: 50 });
    dispatcher.start();
    try {
      await fast.waitFor((r) => r.length >= 3, 'three deliveries to the fast receiver');
      assert.ok(slow.held.length >= 1, 'the slow receiver still holds its requests');
      assert.ok(slow.held.length <= 3, 'bounded concurrency leaves slots for others');
    } finally {
      await slow.close();
      await dispatcher.stop();
      await fast.close();
    }
    const slowDeliveries = await engine.outbox.webhooks.deliveries({ webhook: 'slow' });
    assert.ok(slowDeliveries.some((d) => d.status === 'RESCHEDULED'), 'the cut-off attempts are rescheduled, not lost');
  });
});
