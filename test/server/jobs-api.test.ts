import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { sseData } from '../../src/cli/backend/http-client.ts';
import { bashPipeline, TestServer } from '../helpers/berth-server.ts';
import { Receiver } from '../helpers/receiver.ts';
import { eventually } from '../helpers/eventually.ts';

const SECRET = 'api-webhook-secret-0123456789';
const SUCCEEDED = 'project:cron-job:run:pipeline-run:succeeded';

interface StoredEvent {
  id: number;
  type: string;
  project: { name: string; job?: { uuid: string; pipeline_run?: { uuid: string } } };
}

/** Reads a Server-Sent Events response in the background, collecting the `event` payloads. */
function collectStream(res: Response): { events: StoredEvent[]; done: Promise<void> } {
  const events: StoredEvent[] = [];
  const done = (async () => {
    try {
      for await (const { event, data } of sseData(res)) if (event === 'event') events.push(data as StoredEvent);
    } catch (e) {
      if ((e as Error).name !== 'AbortError') throw e;
    }
  })();
  return { events, done };
}

describe('jobs, events and webhooks over HTTP, hosted by the server', () => {
  const t = new TestServer();
  const receiver = new Receiver();
  let hookUrl = '';
  let jobUuid = '';
  before(async () => {
    hookUrl = await receiver.listen();
    await t.start();
    const { pipeline, files } = bashPipeline('train', [['Train', 'echo "lr=$(python3 -c \'import json,os;print(json.load(open(os.environ["ORCHEST_PIPELINE_PATH"]))["parameters"])\')"\n']]);
    pipeline.parameters = { lr: 0.1, bs: 8 };
    await t.project('ml', { ...files, 'train.orchest': JSON.stringify(pipeline) });
    await t.project('other');
  });
  after(async () => {
    await t.close();
    await receiver.close();
    t.cleanup();
  });

  it('a cron job with a 2x3 grid, triggered over the API: six runs, six signed webhook deliveries, the SSE stream shows them', async () => {
    const created = await t.api('POST', '/api/webhooks', { body: { name: 'runs', url: hookUrl, secret: SECRET, subscriptions: [{ event_type: SUCCEEDED }] } });
    assert.equal(created.status, 201);
    const createdText = await created.text();
    assert.ok(!createdText.includes(SECRET), 'the secret is never returned');
    assert.equal(JSON.parse(createdText).generated_secret, null);
    assert.equal(JSON.parse(createdText).webhook.has_secret, true);

    const stream = await t.api('GET', `/api/events/stream?type=project:cron-job:`);
    assert.equal(stream.status, 200);
    assert.match(stream.headers.get('content-type') ?? '', /text\/event-stream/);
    const live = collectStream(stream);

    const res = await t.api('POST', '/api/projects/ml/jobs', {
      body: { name: 'grid', pipeline_path: 'train.orchest', cron: '0 3 * * *', timezone: 'Europe/Paris', parameters: { pipeline_parameters: { lr: [0.1, 0.01], bs: [16, 32, 64] } } },
    });
    assert.equal(res.status, 201, await res.clone().text());
    const { job } = (await res.json()) as { job: { uuid: string; status: string; parameters: unknown[]; next_scheduled_time: string } };
    jobUuid = job.uuid;
    assert.equal(job.status, 'PENDING');
    assert.equal(job.parameters.length, 6);
    assert.ok(new Date(job.next_scheduled_time).getTime() > Date.now(), 'the next tick is in the future');

    const listed = (await (await t.api('GET', '/api/projects/ml/jobs')).json()) as { jobs: Array<{ uuid: string; next_scheduled_time: string }> };
    assert.deepEqual(listed.jobs.map((j) => [j.uuid, j.next_scheduled_time]), [[job.uuid, job.next_scheduled_time]]);

    const trigger = await t.api('POST', `/api/projects/ml/jobs/grid/trigger`);
    assert.equal(trigger.status, 202, await trigger.clone().text());
    assert.equal(((await trigger.json()) as { job_run_index: number }).job_run_index, 0);

    await receiver.waitFor((r) => r.length >= 6, 'six deliveries');
    const runUuids = new Set<string>();
    for (const r of receiver.received) {
      assert.equal(r.headers['x-berth-event'], SUCCEEDED);
      assert.equal(r.headers['x-berth-signature-256'], `sha256=${createHmac('sha256', SECRET).update(r.body).digest('hex')}`);
      const body = JSON.parse(r.body) as { event: StoredEvent };
      assert.equal(body.event.project.job!.uuid, job.uuid);
      runUuids.add(body.event.project.job!.pipeline_run!.uuid);
    }
    assert.equal(runUuids.size, 6);
    const runs = (await (await t.api('GET', `/api/projects/ml/jobs/${job.uuid}/runs`)).json()) as { runs: Array<{ uuid: string; status: string; parameters: { pipeline_parameters: { lr: number; bs: number } } }> };
    assert.deepEqual(new Set(runs.runs.map((r) => r.uuid)), runUuids);
    assert.ok(runs.runs.every((r) => r.status === 'SUCCESS'));
    assert.deepEqual(runs.runs.map((r) => `${r.parameters.pipeline_parameters.lr}/${r.parameters.pipeline_parameters.bs}`).sort(), ['0.01/16', '0.01/32', '0.01/64', '0.1/16', '0.1/32', '0.1/64']);

    await eventually('six run events on the stream', () => live.events.filter((e) => e.type === SUCCEEDED).length === 6, 30_000);
    assert.deepEqual(new Set(live.events.filter((e) => e.type === SUCCEEDED).map((e) => e.project.job!.pipeline_run!.uuid)), runUuids);
    assert.ok(live.events.some((e) => e.type === 'project:cron-job:created'));
    assert.ok(live.events.every((e, i) => i === 0 || e.id > live.events[i - 1]!.id), 'in order');

    const page = (await (await t.api('GET', `/api/events?type=${SUCCEEDED}&project=ml&limit=4`)).json()) as { events: StoredEvent[]; next_cursor: number };
    assert.equal(page.events.length, 4);
    const rest = (await (await t.api('GET', `/api/events?type=${SUCCEEDED}&project=ml&limit=4&before=${page.next_cursor}`)).json()) as { events: StoredEvent[]; next_cursor: number | null };
    assert.equal(rest.events.length, 2);
    assert.equal(rest.next_cursor, null);

    const deliveries = (await (await t.api('GET', '/api/webhooks/runs/deliveries')).json()) as { deliveries: Array<{ status: string }> };
    await eventually('no extra deliveries', () => receiver.received.length === 6, 30_000);
    assert.equal(deliveries.deliveries.length, 6);
  });

  it('pause / resume / cancel move the job; conflicts are 409, unknown jobs 404', async () => {
    const paused = (await (await t.api('POST', '/api/projects/ml/jobs/grid/pause')).json()) as { job: { status: string; next_scheduled_time: string | null } };
    assert.deepEqual([paused.job.status, paused.job.next_scheduled_time], ['PAUSED', null]);
    const again = await t.api('POST', '/api/projects/ml/jobs/grid/pause');
    assert.equal(again.status, 409);
    assert.equal(((await again.json()) as { error: { code: string } }).error.code, 'BERTH_E_JOB_STATE');
    const resumed = (await (await t.api('POST', '/api/projects/ml/jobs/grid/resume')).json()) as { job: { status: string; next_scheduled_time: string | null } };
    assert.equal(resumed.job.status, 'STARTED');
    assert.ok(resumed.job.next_scheduled_time);
    assert.equal((await t.api('GET', '/api/projects/ml/jobs/nope')).status, 404);
    assert.equal((await t.api('GET', `/api/projects/other/jobs/${jobUuid}`)).status, 404, "another project's job is not found there");
    const token = (await t.token('ml')).token;
    const shown = await t.api('GET', `/api/jobs/${jobUuid.slice(0, 8)}`, { token });
    assert.equal(shown.status, 200);
    assert.equal(((await shown.json()) as { runs: unknown[] }).runs.length, 6);
    assert.equal((await t.api('GET', '/api/projects/ml/events?limit=1', { token })).status, 200);
    const cancelled = (await (await t.api('POST', '/api/projects/ml/jobs/grid/cancel')).json()) as { job: { status: string } };
    assert.equal(cancelled.job.status, 'ABORTED');
    assert.equal((await t.api('POST', '/api/projects/ml/jobs/grid/trigger')).status, 409);
    assert.equal((await t.api('DELETE', '/api/projects/ml/jobs/grid')).status, 200);
    assert.equal((await t.api('GET', `/api/jobs/${jobUuid}`)).status, 404);
  });

  it('bad bodies are 400 naming the field; a taken webhook name is 409', async () => {
    const problems = async (res: Response) => {
      assert.equal(res.status, 400);
      return ((await res.json()) as { error: { problems: Array<{ path: string }> } }).error.problems.map((p) => p.path);
    };
    assert.deepEqual(await problems(await t.api('POST', '/api/projects/ml/jobs', { body: { name: 'x' } })), ['body.pipeline_path']);
    assert.ok((await problems(await t.api('POST', '/api/projects/ml/jobs', { body: { name: 'x', pipeline_path: 'train.orchest', parameters: { pipeline_parameters: { lr: [] } } } }))).includes('body.parameters.pipeline_parameters.lr'));
    assert.deepEqual(await problems(await t.api('POST', '/api/projects/ml/jobs', { body: { name: 'x', pipeline_path: 'train.orchest', cron: 'every day' } })), ['cron']);
    assert.equal((await t.api('POST', '/api/projects/ml/jobs', { body: { name: 'x', pipeline_path: 'missing.orchest' } })).status, 404);
    assert.equal((await t.api('POST', '/api/projects/ml/jobs', { body: { name: 'x', pipeline_path: '../../etc/passwd' } })).status, 400);
    const dry = (await (await t.api('POST', '/api/projects/ml/jobs?dry_run=1', { body: { name: 'x', pipeline_path: 'train.orchest', parameters: { pipeline_parameters: { lr: [1, 2] } } } })).json()) as { parameters: unknown[] };
    assert.equal(dry.parameters.length, 2);
    assert.deepEqual(await problems(await t.api('POST', '/api/webhooks', { body: { name: 'w', url: hookUrl, subscriptions: [{ event_type: 'nope' }] } })), ['body.subscriptions.0.event_type']);
    assert.deepEqual(await problems(await t.api('PUT', '/api/webhooks/runs', { body: { secret: 'short' } })), ['body.secret']);
    const dup = await t.api('POST', '/api/webhooks', { body: { name: 'runs', url: hookUrl, subscriptions: [{ event_type: '*' }] } });
    assert.equal(dup.status, 409);
    assert.equal((await t.api('GET', '/api/webhooks/nope')).status, 404);
    const list = await (await t.api('GET', '/api/webhooks')).text();
    assert.ok(!list.includes(SECRET));
    const generated = (await (await t.api('POST', '/api/webhooks', { body: { name: 'gen', url: hookUrl, subscriptions: [{ event_type: 'project:created' }] } })).json()) as { generated_secret: string };
    assert.match(generated.generated_secret, /^[0-9a-f]{64}$/);
    assert.ok(!(await (await t.api('GET', '/api/webhooks/gen')).text()).includes(generated.generated_secret));
    const ping = (await (await t.api('POST', '/api/webhooks/gen/ping')).json()) as { ok: boolean; status: number };
    assert.deepEqual([ping.ok, ping.status], [true, 200]);
    const last = receiver.received.at(-1)!;
    assert.equal(last.headers['x-berth-event'], 'ping');
    assert.equal(last.headers['x-berth-signature-256'], `sha256=${createHmac('sha256', generated.generated_secret).update(last.body).digest('hex')}`);
  });

  it('a one-off job created over the API runs now in the server; the server stops with a stream open', async () => {
    const token = (await t.token('ml', 'streamer')).token;
    const stream = await t.api('GET', '/api/projects/ml/events/stream?after=0', { token });
    const live = collectStream(stream);
    const res = await t.api('POST', '/api/projects/ml/jobs', { body: { name: 'now', pipeline_path: 'train.orchest' } });
    assert.equal(res.status, 201);
    await eventually('the one-off job to succeed in the server', () => live.events.some((e) => e.type === 'project:one-off-job:succeeded'), 30_000);
    assert.ok(live.events.some((e) => e.type === 'project:cron-job:created'), 'after=0 replays from the start');
    assert.ok(live.events.every((e) => e.project.name === 'ml'), "only the token's project");
    await t.close();
    await live.done;
  });
});

describe('the server stops its job scheduler on shutdown', () => {
  const t = new TestServer();
  after(() => t.cleanup());

  it('runs of a batch the server scheduled are cancelled (ABORTED) when it stops, not left running', async () => {
    await t.start();
    const { pipeline, files } = bashPipeline('slow', [['Slow', 'echo started; sleep 60\n']]);
    await t.project('slow', { ...files, 'slow.orchest': JSON.stringify(pipeline) });
    const res = await t.api('POST', '/api/projects/slow/jobs', { body: { name: 'slow-now', pipeline_path: 'slow.orchest' } });
    assert.equal(res.status, 201, await res.clone().text());
    let runs: Array<{ uuid: string; status: string }> = [];
    for (let i = 0; i < 600 && !runs.some((r) => r.status === 'STARTED'); i++) {
      runs = ((await (await t.api('GET', '/api/projects/slow/jobs/slow-now/runs')).json()) as { runs: typeof runs }).runs;
      if (!runs.some((r) => r.status === 'STARTED')) await new Promise((r) => setTimeout(r, 50));
    }
    assert.equal(runs[0]?.status, 'STARTED', 'the server scheduled and started the run');
    await t.close();
    await t.start();
    const report = await t.waitForRun(runs[0]!.uuid);
    assert.equal(report.run.status, 'ABORTED');
    const job = (await (await t.api('GET', '/api/projects/slow/jobs/slow-now')).json()) as { job: { status: string } };
    assert.notEqual(job.job.status, 'STARTED');
    await t.close();
  });
});
