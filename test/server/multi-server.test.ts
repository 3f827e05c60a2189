import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { sseData } from '../../src/cli/backend/http-client.ts';
import { pipeline, REPO, Sandbox, writePipeline } from '../helpers/berth-cli.ts';
import { Receiver } from '../helpers/receiver.ts';
import { startServerProcess } from '../helpers/berth-server-process.ts';
import { freshStore, type TestStore } from '../helpers/store-backends.ts';

/**
 * Three `berth server` processes on one PostgreSQL database (one BERTH_HOME on shared storage, as
 * behind a load balancer): work started on one is seen, cancelled, streamed and taken over on the
 * others; a killed server's run ends truthfully within the lease; a cron tick yields one batch.
 */
const ADMIN = 'multi-server-admin-token-0123456789';
const LEASE_SECONDS = 3;
type Server = Awaited<ReturnType<typeof startServerProcess>>;
interface StoredEvent {
  id: number;
  type: string;
  project: { pipeline?: { session?: { pipeline_run?: { uuid: string } } } };
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function until<T>(what: string, ms: number, get: () => Promise<T | undefined | false>): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await get();
    if (v) return v;
    if (Date.now() > end) assert.fail(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * A webhook subscriber at `url` with `count` deliveries due now (ids `<prefix>-1…`), then what a
 * commit of events does: every server's dispatcher wakes (LISTEN/NOTIFY).
 */
async function seedDeliveries(client: pg.Client, o: { subscriber: string; prefix: string; url: string; count: number }): Promise<void> {
  const now = new Date().toISOString();
  await client.query(
    `insert into subscribers (uuid, kind, name, url, secret_sealed, content_type, format, verify_ssl, created_at) values ($1, 'webhook', $1, $2, null, 'application/json', 'generic', 0, $3)`,
    [o.subscriber, o.url, now],
  );
  await client.query(
    `insert into deliveries (uuid, event_uuid, event_type, subscriber_uuid, status, attempts, scheduled_at, payload_json, created_at)
     select $1 || '-' || i, $1 || '-event-' || i, 'project:created', $2, 'SCHEDULED', 0, $3, '{"n":' || i || '}', $3 from generate_series(1, $4::int) as i`,
    [o.prefix, o.subscriber, now, o.count],
  );
  await client.query(`select pg_notify('berth_events', '')`);
}

describe('three servers on one PostgreSQL database', () => {
  const box = new Sandbox();
  let store: TestStore;
  const servers: Server[] = [];
  const pidsFile = join(box.root, 'pids');

  const api = async (s: Server, method: string, path: string, body?: unknown) =>
    fetch(`${s.url}${path}`, { method, headers: { authorization: `Bearer ${ADMIN}`, ...(body ? { 'content-type': 'application/json' } : {}) }, body: body ? JSON.stringify(body) : undefined });
  const json = async (s: Server, method: string, path: string, body?: unknown) => {
    const res = await api(s, method, path, body);
    const text = await res.text();
    assert.ok(res.status < 300, `${method} ${path}: ${res.status} ${text}`);
    return JSON.parse(text);
  };
  const stepPids = () => (existsSync(pidsFile) ? readFileSync(pidsFile, 'utf8').trim().split('\n').filter(Boolean).map(Number) : []);

  before(async () => {
    store = await freshStore('postgres');
    box.file('steps/slow.sh', `echo $$ >> ${pidsFile}\nsleep 60\n`);
    box.file('steps/ok.sh', 'echo "ok $LR"\n');
    writePipeline(box, 'slow.orchest', pipeline('slow', [{ title: 'Slow', file: 'steps/slow.sh' }]));
    writePipeline(box, 'ok.orchest', pipeline('ok', [{ title: 'Ok', file: 'steps/ok.sh' }]));
    const env = {
      BERTH_HOME: box.home,
      BERTH_DATABASE_URL: store.env.BERTH_DATABASE_URL!,
      BERTH_ADMIN_TOKEN: ADMIN,
      BERTH_LEASE_SECONDS: String(LEASE_SECONDS),
      BERTH_SCHEDULER_POLL_SECONDS: '0.5',
      BERTH_STOP_GRACE_SECONDS: '1',
    };
    // Started together on an empty database: they migrate it once between them.
    servers.push(...(await Promise.all([startServerProcess(env), startServerProcess(env), startServerProcess(env)])));
    await json(servers[0]!, 'POST', '/api/projects', { name: 'demo', path: box.project });
  });
  after(async () => {
    for (const s of servers) await s.stop().catch(() => undefined);
    for (const pid of stepPids()) if (alive(pid)) process.kill(pid, 'SIGKILL');
    await store?.drop();
    box.cleanup();
  });

  it('a run started on A is seen on B and C, cancelled on B (its step stops), and C streams A’s events', async () => {
    const [a, b, c] = servers as [Server, Server, Server];
    const controller = new AbortController();
    const stream = await fetch(`${c.url}/api/events/stream`, { headers: { authorization: `Bearer ${ADMIN}` }, signal: controller.signal });
    assert.equal(stream.status, 200);
    const seen: StoredEvent[] = [];
    const reading = (async () => {
      try {
        for await (const { event, data } of sseData(stream)) if (event === 'event') seen.push(data as StoredEvent);
      } catch (e) {
        if ((e as Error).name !== 'AbortError') throw e;
      }
    })();

    const { run } = await json(a, 'POST', '/api/projects/demo/runs', { pipeline: 'slow.orchest' });
    const started = await until('the run STARTED as seen from B', 15_000, async () => {
      const r = await json(b, 'GET', `/api/runs/${run.uuid}`);
      return r.steps[0].status === 'STARTED' && r;
    });
    assert.equal(started.run.status, 'STARTED');
    assert.equal((await json(c, 'GET', `/api/runs/${run.uuid}`)).run.status, 'STARTED');
    const pid = await until('the step wrote its pid', 10_000, async () => stepPids()[0]);
    assert.ok(alive(pid));

    const cancelled = await json(b, 'DELETE', `/api/runs/${run.uuid}`);
    assert.equal(cancelled.run.status, 'ABORTED', `the run ended otherwise: ${cancelled.run.reason}`);
    await until('the step process on A stopped after the cancel on B', 10_000, async () => !alive(pid));
    assert.equal((await json(c, 'GET', `/api/runs/${run.uuid}`)).steps[0].status, 'ABORTED');

    const mine = (type: string) => seen.some((e) => e.type.endsWith(type) && e.project.pipeline?.session?.pipeline_run?.uuid === run.uuid);
    await until('C streamed the created, started and cancelled events', 5_000, async () => mine('pipeline-run:created') && mine('pipeline-run:started') && mine('pipeline-run:cancelled'));
    const ids = seen.map((e) => e.id);
    assert.deepEqual(ids, [...ids].sort((x, y) => x - y), 'in id order, none repeated');
    assert.equal(new Set(ids).size, ids.length);
    controller.abort();
    await reading;
  });

  it('a service created through A answers through the proxy of B and C; removed through C, it is gone on A', async () => {
    const [a, b, c] = servers as [Server, Server, Server];
    const port = 21000 + (process.pid % 1000) * 2;
    const echo = join(REPO, 'test', 'fixtures', 'services', 'echo-service.mjs');
    const created = await api(a, 'POST', '/api/projects/demo/services', { name: 'echo', command: process.execPath, args: `${echo} ${port}`, ports: [port] });
    assert.equal(created.status, 201, await created.text());
    const prefix = `/api/projects/demo/services/echo/${port}`;
    for (const s of [b, c, a]) {
      const res = await until(`the service through ${s.url}`, 15_000, async () => {
        const r = await api(s, 'GET', `${prefix}/hello`);
        return r.status === 200 && r;
      });
      assert.equal(((await res.json()) as { url: string }).url, '/hello');
    }
    assert.equal((await api(c, 'DELETE', '/api/projects/demo/services/echo')).status < 300, true);
    await until('the service is gone on A', 10_000, async () => (await api(a, 'GET', `${prefix}/hello`)).status !== 200);
    assert.equal((await api(a, 'GET', '/api/projects/demo/services/echo')).status, 404);
  });

  it('webhook deliveries dispatched by all three servers arrive exactly once each', async () => {
    const receiver = new Receiver();
    const url = await receiver.listen();
    const client = new pg.Client({ connectionString: store.env.BERTH_DATABASE_URL });
    await client.connect();
    try {
      const N = 1000;
      await seedDeliveries(client, { subscriber: 'sub-1', prefix: 'delivery', url, count: N });
      await receiver.waitFor((r) => new Set(r.map((x) => x.headers['x-berth-delivery'])).size >= N, `${N} deliveries`, 120_000);
      await new Promise((r) => setTimeout(r, 1000));
      const ids = receiver.received.map((r) => r.headers['x-berth-delivery']);
      assert.equal(ids.length, N, 'no delivery was sent twice');
      assert.equal(new Set(ids).size, N);
      const states = await client.query(`select status, count(*)::int as n, count(distinct claimed_by)::int as dispatchers from deliveries group by status`);
      assert.deepEqual(states.rows.map((r) => [r.status, r.n]), [['DELIVERED', N]]);
      assert.ok(states.rows[0].dispatchers >= 2, `sent by ${states.rows[0].dispatchers} server(s)`);
    } finally {
      await client.end();
      await receiver.close();
    }
  });

  it('kill -9 of the server running a run: another server ends it as FAILURE with the reason within the lease, and stops its step', async () => {
    const [a, b] = servers as [Server, Server];
    const before = stepPids().length;
    const { run } = await json(a, 'POST', '/api/projects/demo/runs', { pipeline: 'slow.orchest' });
    const pid = await until('the step wrote its pid', 15_000, async () => stepPids().length > before && stepPids().at(-1));
    a.child.kill('SIGKILL');
    const killedAt = Date.now();
    const ended = await until('the run ended', (LEASE_SECONDS + 10) * 1000, async () => {
      const r = await json(b, 'GET', `/api/runs/${run.uuid}`);
      return r.run.status !== 'STARTED' && r;
    });
    const took = Date.now() - killedAt;
    assert.equal(ended.run.status, 'FAILURE');
    assert.match(ended.run.reason, /stopped renewing its lease/);
    assert.equal(ended.steps[0].status, 'ABORTED');
    assert.ok(took <= (LEASE_SECONDS + 3) * 1000, `ended ${took} ms after the kill (lease ${LEASE_SECONDS} s)`);
    await until('the orphaned step process was stopped', 10_000, async () => !alive(pid));
  });

  it('a cron job with a grid: every tick yields one batch, whichever servers are up', async () => {
    const [, b, c] = servers as [Server, Server, Server];
    const created = await json(b, 'POST', '/api/projects/demo/jobs', { name: 'grid', pipeline_path: 'ok.orchest', cron: '0 3 * * *', timezone: 'UTC', parameters: { pipeline_parameters: { lr: [1, 2, 3] } } });
    const job = created.job;
    const client = new pg.Client({ connectionString: store.env.BERTH_DATABASE_URL });
    await client.connect();
    try {
      for (let tick = 1; tick <= 2; tick++) {
        // Make the next tick due now (as the clock would at 03:00).
        await client.query('update jobs set next_scheduled_time = $1 where uuid = $2', [new Date(Date.now() - 1000).toISOString(), job.uuid]);
        await until(`batch ${tick}`, 15_000, async () => (await json(c, 'GET', `/api/jobs/${job.uuid}`)).job.total_scheduled_executions >= tick);
        // Give every scheduler several polls to (wrongly) start the same tick again.
        await new Promise((r) => setTimeout(r, 2000));
        const shown = (await json(b, 'GET', `/api/jobs/${job.uuid}`)).job;
        assert.equal(shown.total_scheduled_executions, tick, 'one batch per tick');
        assert.equal(shown.total_scheduled_pipeline_runs, 3 * tick);
        const { runs } = await json(c, 'GET', `/api/projects/demo/jobs/${job.uuid}/runs`);
        assert.equal(runs.length, 3 * tick);
        assert.deepEqual(runs.filter((r: any) => r.job_run_index === tick - 1).map((r: any) => r.job_run_pipeline_run_index).sort(), [0, 1, 2]);
      }
      const leaders = await client.query('select holder, token from leader_leases where name = $1', ['scheduler']);
      assert.equal(leaders.rows.length, 1);
    } finally {
      await client.end();
    }
  });

  it('kill -9 of a server while it sends webhooks: every delivery still arrives, the ones it had in flight again with the same ids', async () => {
    const [, b, c] = servers as [Server, Server, Server];
    const receiver = new Receiver();
    receiver.respond = () => 'hold';
    const url = await receiver.listen();
    const client = new pg.Client({ connectionString: store.env.BERTH_DATABASE_URL });
    await client.connect();
    try {
      const N = 60;
      await seedDeliveries(client, { subscriber: 'sub-kill', prefix: 'kill', url, count: N });
      // B holds some deliveries in flight (the receiver answers nobody yet) when it is killed.
      const victim = `%:${b.child.pid}:%`;
      await until('B has deliveries in flight', 20_000, async () => (await client.query(`select count(*)::int as n from deliveries where status = 'DELIVERING' and claimed_by like $1`, [victim])).rows[0].n > 0);
      b.child.kill('SIGKILL');
      receiver.respond = () => 200;
      for (const res of receiver.held.splice(0)) if (!res.destroyed) res.writeHead(200).end('ok');
      await until(`all ${N} deliveries DELIVERED by the survivor`, 60_000, async () => (await client.query(`select count(*)::int as n from deliveries where subscriber_uuid = 'sub-kill' and status = 'DELIVERED'`)).rows[0].n === N);
      const ids = new Set(receiver.received.map((r) => r.headers['x-berth-delivery']));
      assert.equal(ids.size, N, 'every delivery reached the receiver (at least once, under its own id)');
      const senders = await client.query(`select distinct claimed_by from deliveries where subscriber_uuid = 'sub-kill'`);
      assert.ok(senders.rows.every((r) => !String(r.claimed_by).includes(`:${b.child.pid}:`)), 'none is left as sent by the dead server');
      assert.equal((await api(c, 'GET', '/api/health')).status, 200, 'the survivor answers');
    } finally {
      await client.end();
      await receiver.close();
    }
  });
});
