import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import type { Kysely } from 'kysely';
import { BACKENDS, freshStore, type TestStore } from '../../test/helpers/store-backends.ts';
import { BuildRepository, type BuildRow } from './build-repository.ts';
import { DeliveryRepository } from './delivery-repository.ts';
import { EventRecorder } from '../events/event-recorder.ts';
import { EnvVarRepository } from './env-var-repository.ts';
import { InstanceRepository, type InstanceRow } from './instance-repository.ts';
import { JobRepository, type JobRow } from './job-repository.ts';
import { LeaseRepository } from './lease-repository.ts';
import { reapExpiredServers } from '../leases/lease-reaper.ts';
import { TokenRegistry } from '../auth/token-registry.ts';
import { kyselySqlRunner } from './kysely-sql-runner.ts';
import { openStore } from './open-store.ts';
import { ProjectRepository } from './project-repository.ts';
import { RunRepository, type RunRow, type StepRunRow } from './run-repository.ts';
import { ServiceRepository } from './service-repository.ts';
import { ServiceHostRepository } from './service-host-repository.ts';
import { ServiceAccess } from '../auth/service-access.ts';
import { serviceHostAlias } from '../core/service-host-alias.ts';
import { ServiceSessionRepository } from './service-session-repository.ts';
import { SessionRepository, type SessionRow } from './session-repository.ts';
import type { StateChange, StateChangeHook } from './state-change.ts';
import { SubscriberRepository } from './subscriber-repository.ts';
import type { Database } from './tables.ts';
import { TokenRepository } from './token-repository.ts';

/**
 * Every repository, the same tests over every real backend (a SQLite file and a fresh PostgreSQL
 * database): what one backend answers, the other answers too — types, statuses, timestamps, races.
 */
const T0 = '2026-01-01T00:00:00.000Z';
const at = (s: number) => new Date(Date.parse(T0) + s * 1000).toISOString();

for (const backend of BACKENDS) {
  describe(`store on ${backend}`, () => {
    let store: TestStore;
    let db: Kysely<Database>;
    /**
     * A second handle on the same store: another server's pool on PostgreSQL. On SQLite it is the
     * same handle — two connections in one thread would block each other synchronously (node:sqlite
     * waits for the file lock inside the call); SQLite across processes is tested with real processes.
     */
    let other: Kysely<Database>;
    const changes: StateChange[] = [];
    const hook: StateChangeHook = async (_tx, change) => void changes.push(change);
    let projectUuid: string;

    before(async () => {
      store = await freshStore(backend);
      db = await openStore(store.location);
      other = backend === 'postgres' ? await openStore(store.location) : db;
      projectUuid = (await new ProjectRepository(db).ensure('/p/one', 'one', T0)).uuid;
    });
    after(async () => {
      await db?.destroy();
      if (other !== db) await other?.destroy();
      await store?.drop();
    });

    test('projects: ensure is idempotent and race-safe; pipelines are created then updated once', async () => {
      const repos = [new ProjectRepository(db, { hook }), new ProjectRepository(other, { hook })];
      changes.length = 0;
      const got = await Promise.all(Array.from({ length: 6 }, (_, i) => repos[i % 2]!.ensure('/p/race', 'race', T0)));
      assert.equal(new Set(got.map((p) => p.uuid)).size, 1);
      assert.equal(changes.filter((c) => c.entity === 'project' && c.verb === 'created').length, 1);
      const p = got[0]!;
      assert.deepEqual({ ...p }, { uuid: p.uuid, name: 'race', path: '/p/race', created_at: T0 });
      await repos[0]!.touchPipeline(p.uuid, 'pl1', 'a.orchest', 'A', at(1));
      await repos[1]!.touchPipeline(p.uuid, 'pl1', 'a.orchest', 'A', at(2));
      await repos[0]!.touchPipeline(p.uuid, 'pl1', 'b.orchest', 'A', at(3));
      assert.deepEqual(changes.filter((c) => c.entity === 'pipeline').map((c) => c.verb), ['created', 'updated']);
      assert.deepEqual((await repos[1]!.pipelines(p.uuid)).map((r) => ({ ...r })), [{ uuid: 'pl1', path: 'b.orchest', name: 'A', updated_at: at(3) }]);
      assert.equal(await repos[0]!.update(p.uuid, { name: 'renamed' }), true);
      assert.equal((await repos[1]!.findByRef('renamed'))[0]?.uuid, p.uuid);
      await new ServiceHostRepository(db).claim({ label: 's-project-gone', project_uuid: p.uuid, service: 'svc', port: 80, created_at: T0 });
      assert.equal(await repos[0]!.remove(p.uuid), true);
      assert.equal(await repos[1]!.get(p.uuid), undefined);
      assert.equal(await new ServiceHostRepository(other).find('s-project-gone'), undefined, 'its short service host labels go with it');
    });

    test('runs: created with steps, queued per pipeline, claimed once across connections, ended once', async () => {
      const runs = new RunRepository(db, { hook });
      const runs2 = new RunRepository(other, { hook });
      const pipeline = randomUUID();
      const a = run(projectUuid, pipeline, at(10));
      const b = run(projectUuid, pipeline, at(11));
      await runs.create(a, [step(a.uuid, 's1', 0), step(a.uuid, 's2', 1)]);
      await runs2.create(b, [step(b.uuid, 's1', 0)]);
      assert.equal(await runs2.claim(b.uuid, at(12)), false, 'b waits for the earlier interactive run of its pipeline');
      const claims = await Promise.all([runs.claim(a.uuid, at(12)), runs2.claim(a.uuid, at(12)), runs.claim(a.uuid, at(12))]);
      assert.deepEqual(claims.filter(Boolean).length, 1);
      const row = (await runs2.get(a.uuid))!;
      assert.equal(row.status, 'STARTED');
      assert.equal(row.started_at, at(12));
      assert.equal(typeof row.fail_fast, 'number');
      assert.equal(typeof row.owner_pid, 'number');
      assert.equal(await runs.startStep(a.uuid, 's1', at(13)), true);
      assert.equal(await runs2.startStep(a.uuid, 's1', at(13)), false);
      assert.equal(await runs.finishStep(a.uuid, 's1', { status: 'SUCCESS', now: at(14), exitCode: 0 }), true);
      await runs.abortActiveSteps(a.uuid, at(15), 'cancelled');
      assert.deepEqual((await runs2.steps(a.uuid)).map((s) => [s.step_uuid, s.status, s.exit_code]), [['s1', 'SUCCESS', 0], ['s2', 'ABORTED', null]]);
      const ends = await Promise.all([runs.finish(a.uuid, 'ABORTED', at(16), 'cancel'), runs2.finish(a.uuid, 'SUCCESS', at(16))]);
      assert.equal(ends.filter(Boolean).length, 1, 'one end state wins');
      assert.equal(await runs2.claim(b.uuid, at(17)), true, 'b starts once a has ended');
      assert.deepEqual((await runs.findByPrefix(a.uuid.slice(0, 8).toUpperCase())).map((r) => r.uuid), [a.uuid]);
      assert.deepEqual((await runs.findByPrefix('%')).length, 0, 'a wildcard is not a prefix');
      const listed = await runs.list({ limit: 10, pipelineUuid: pipeline });
      assert.deepEqual(listed.map((r) => r.uuid), [b.uuid, a.uuid]);
      assert.deepEqual((await runs.activeOwnedBy('host-a')).map((r) => r.uuid), [b.uuid]);
    });

    test('runs: a kind limit holds when many claims race from two connections', async () => {
      const repos = [new RunRepository(db, { limits: { job: 2 } }), new RunRepository(other, { limits: { job: 2 } })];
      const rows = Array.from({ length: 8 }, (_, i) => ({ ...run(projectUuid, randomUUID(), at(20 + i)), kind: 'job' }));
      for (const r of rows) await repos[0]!.create(r, []);
      const claimed = await Promise.all(rows.flatMap((r) => repos.map((repo) => repo.claim(r.uuid, at(30)))));
      assert.equal(claimed.filter(Boolean).length, 2);
    });

    test('jobs: two schedulers racing for one tick claim one batch', async () => {
      const jobs = [new JobRepository(db, { hook }), new JobRepository(other, { hook })];
      const j = job(projectUuid, at(40));
      await jobs[0]!.create(j);
      const due = await jobs[1]!.due(at(41));
      assert.deepEqual(due.map((d) => d.uuid), [j.uuid]);
      const batches = await Promise.all(
        Array.from({ length: 6 }, (_, i) => jobs[i % 2]!.claimBatch(j.uuid, { size: 3, now: at(41), nextScheduledTime: at(100), expectNext: at(40), from: ['PENDING', 'STARTED'] })),
      );
      const won = batches.filter((b) => b !== null);
      assert.equal(won.length, 1);
      assert.equal(won[0]!.jobRunIndex, 0);
      assert.equal(won[0]!.job.total_scheduled_pipeline_runs, 3);
      assert.equal(won[0]!.job.status, 'STARTED');
      assert.deepEqual((await jobs[0]!.find(j.uuid.slice(0, 6))).map((r) => r.uuid), [j.uuid]);
      assert.equal(await jobs[1]!.transition(j.uuid, ['STARTED'], 'PAUSED', 'paused', at(42)), true);
      assert.equal(await jobs[0]!.transition(j.uuid, ['STARTED'], 'PAUSED', 'paused', at(42)), false);
      await jobs[0]!.delete(j.uuid);
      assert.equal(await jobs[1]!.get(j.uuid), undefined);
    });

    test('deliveries: three dispatchers claiming the same due deliveries send each once', async () => {
      const subs = new SubscriberRepository(db);
      const sub = { uuid: randomUUID(), kind: 'webhook', name: `hook-${randomUUID()}`, url: 'http://127.0.0.1:9/x', secret_sealed: null, content_type: 'application/json', format: 'generic', verify_ssl: 1, created_at: T0 };
      assert.equal(await subs.add(sub, [{ event_type: '*', project_uuid: '', job_uuid: '' }]), true);
      assert.equal(await subs.add({ ...sub, uuid: randomUUID() }, []), false, 'names are unique');
      assert.equal((await subs.get(sub.uuid))?.verify_ssl, 1);
      const ids = Array.from({ length: 200 }, () => randomUUID());
      for (let i = 0; i < ids.length; i += 50) {
        await db
          .insertInto('deliveries')
          .values(ids.slice(i, i + 50).map((uuid) => ({ uuid, event_uuid: randomUUID(), event_type: 't', subscriber_uuid: sub.uuid, status: 'SCHEDULED', attempts: 0, scheduled_at: at(50), claimed_by: null, lease_until: null, payload_json: '{}', last_error: null, last_status_code: null, created_at: at(50), delivered_at: null })))
          .execute();
      }
      const repos = [new DeliveryRepository(db), new DeliveryRepository(other), new DeliveryRepository(db)];
      const claimedBy = new Map<string, string>();
      await Promise.all(
        repos.map(async (repo, n) => {
          for (;;) {
            const due = await repo.due(at(60), 40);
            if (due.length === 0) return;
            const rows = await repo.claim(`d${n}`, due.map((d) => d.uuid), at(60), at(90));
            for (const r of rows) {
              assert.ok(!claimedBy.has(r.uuid), `${r.uuid} claimed twice`);
              claimedBy.set(r.uuid, `d${n}`);
              assert.equal(r.attempts, 1);
              await repo.delivered(r.uuid, `d${n}`, 200, at(61));
            }
          }
        }),
      );
      assert.equal(claimedBy.size, ids.length);
      const left = await db.selectFrom('deliveries').select((eb) => eb.fn.countAll<number>().as('n')).where('status', '!=', 'DELIVERED').executeTakeFirstOrThrow();
      assert.strictEqual(left.n, 0, 'count(*) is a number on both backends');
      // An expired lease makes a delivery due again; a failed attempt is rescheduled with its error.
      const one = ids[0]!;
      assert.equal(await repos[0]!.redeliver(one, at(70)), true);
      assert.equal((await repos[1]!.claim('d1', [one], at(70), at(71))).length, 1);
      assert.equal((await repos[2]!.claim('d2', [one], at(70), at(80))).length, 0, 'leased');
      assert.equal((await repos[2]!.claim('d2', [one], at(72), at(80))).length, 1, 'lease expired');
      await repos[2]!.failed(one, 'd2', { status: 500, error: 'boom', retryAt: at(90) });
      const row = (await repos[0]!.findByPrefix(one.slice(0, 8)))[0]!;
      assert.deepEqual([row.status, row.attempts, row.last_status_code, row.last_error, row.scheduled_at], ['RESCHEDULED', 2, 500, 'boom', at(90)]);
      assert.equal(await repos[0]!.nextDueAt(), at(90));
    });

    test('builds: the slot limit holds for racing claims; queue order is kept', async () => {
      const repos = [new BuildRepository(db, { limit: 1 }), new BuildRepository(other, { limit: 1 })];
      const rows = Array.from({ length: 4 }, (_, i) => build(at(100 + i)));
      for (const r of rows) await repos[0]!.create(r);
      assert.equal(await repos[1]!.claim(rows[2]!.uuid, at(110)), false, 'not first in line');
      const claimed = await Promise.all(rows.flatMap((r) => repos.map((repo) => repo.claim(r.uuid, at(110)))));
      assert.equal(claimed.filter(Boolean).length, 1);
      assert.equal((await repos[0]!.get(rows[0]!.uuid))?.status, 'STARTED');
      assert.equal(await repos[1]!.ahead(rows[2]!.uuid), 2);
      assert.equal(await repos[1]!.finish(rows[0]!.uuid, 'SUCCESS', at(111)), true);
      assert.equal(await repos[0]!.finish(rows[0]!.uuid, 'FAILURE', at(111)), false);
      assert.equal(await repos[0]!.claim(rows[1]!.uuid, at(112)), true);
      assert.deepEqual((await repos[0]!.list({ limit: 2 })).map((r) => r.uuid), [rows[3]!.uuid, rows[2]!.uuid]);
    });

    test('instances: one name per owner even for concurrent claims', async () => {
      const results = await Promise.all([new InstanceRepository(kyselySqlRunner(db)).claim(instance('i1', 'web', 1000)), new InstanceRepository(kyselySqlRunner(other)).claim(instance('i2', 'web', 1000))]);
      assert.deepEqual(results.sort(), [false, true]);
      assert.equal(await new InstanceRepository(kyselySqlRunner(db)).claim(instance('i3', 'web', 1001)), true);
      assert.equal(await new InstanceRepository(kyselySqlRunner(db)).requestStop('i3', 'SIGTERM', 1000), true);
      assert.equal(await new InstanceRepository(kyselySqlRunner(other)).updateUnlessStopping('i3', { health: 'healthy' }), false);
      const big = Date.now() * 1000;
      await new InstanceRepository(kyselySqlRunner(db)).adopt('i3', 4_000_000, big, '{}');
      assert.strictEqual((await new InstanceRepository(kyselySqlRunner(other)).get('i3'))?.keeper_start, big, '64-bit integers read back as numbers');
    });

    test('tokens, services, service sessions and env vars', async () => {
      const tokens = new TokenRepository(db);
      await tokens.insert({ id: 't1', name: 'admin', scope: 'admin', project_uuid: null, hash: 'h1', service: null, created_at: T0, revoked_at: null });
      await tokens.insert({ id: 't2', name: 'p', scope: 'project', project_uuid: projectUuid, hash: 'h2', service: 'svc', created_at: T0, revoked_at: null });
      await assert.rejects(tokens.insert({ id: 't3', name: 'dup', scope: 'admin', project_uuid: null, hash: 'h1', service: null, created_at: T0, revoked_at: null }));
      assert.equal(await new TokenRepository(other).countActiveAdmins(), 1);
      assert.equal((await tokens.findActiveByHash('h2'))?.id, 't2');

      const services = new ServiceRepository(db, { hook });
      const svc = { project_uuid: projectUuid, name: 'svc', definition_json: '{"image":"x"}', handle_json: null, token_id: null, log_path: '/l', created_at: T0, host: null };
      const inserted = await Promise.all([services.insert(svc), new ServiceRepository(other).insert(svc)]);
      assert.deepEqual(inserted.sort(), [false, true]);
      await services.setToken(projectUuid, 'svc', 't2');
      assert.equal((await new ServiceRepository(other).get(projectUuid, 'svc'))?.token_id, 't2');

      const sessions = new ServiceSessionRepository(db);
      const exp = Date.parse(T0) + 3_600_000;
      await sessions.insertTicket({ hash: 'k1', project_uuid: projectUuid, service: 'svc', instance: 'i', token_id: 't2', expires_at: exp, created_at: T0, next: '/' });
      const taken = await Promise.all([sessions.takeTicket('k1', exp - 1), new ServiceSessionRepository(other).takeTicket('k1', exp - 1)]);
      assert.equal(taken.filter(Boolean).length, 1, 'a ticket opens one session');
      assert.strictEqual(taken.find(Boolean)!.expires_at, exp);
      await sessions.insertSession({ hash: 's1', project_uuid: projectUuid, service: 'svc', instance: 'i', token_id: 't2', expires_at: exp, created_at: T0 });
      assert.equal((await sessions.findSession('s1', exp - 1))?.scope, 'project');
      assert.equal(await tokens.revoke('t2', at(1)), true);
      assert.equal(await sessions.findSession('s1', exp - 1), undefined, 'a revoked token ends its sessions');
      // Short service host labels (issue 16): one claim wins a label; a collision moves to the next candidate.
      const hostRow = { label: 's-aaaaaaaaaaaaaaaaaaaaaaaaaa', project_uuid: projectUuid, service: 'svc', port: 80, created_at: T0 };
      const claimed = await Promise.all([new ServiceHostRepository(db).claim(hostRow), new ServiceHostRepository(other).claim({ ...hostRow, service: 'other' })]);
      assert.equal(claimed[0]!.service, claimed[1]!.service, 'both see the one winner');
      const access = new ServiceAccess(db);
      const taken0 = serviceHostAlias(projectUuid, 'berth-jupyter-x', 8888);
      await new ServiceHostRepository(db).claim({ ...hostRow, label: taken0, service: 'squatter' });
      const alias = await access.hostAlias({ projectUuid, service: 'berth-jupyter-x', port: 8888 });
      assert.equal(alias, serviceHostAlias(projectUuid, 'berth-jupyter-x', 8888, 1), 'the next candidate when the first is taken');
      assert.equal(await new ServiceAccess(other).hostAlias({ projectUuid, service: 'berth-jupyter-x', port: 8888 }), alias, 'stable, from any server');
      assert.deepEqual(await new ServiceAccess(other).findHostAlias(alias), { projectUuid, service: 'berth-jupyter-x', port: 8888 });
      assert.equal(await access.findHostAlias('s-bbbbbbbbbbbbbbbbbbbbbbbbbb'), null);
      await new ServiceSessionRepository(db).deleteForService(projectUuid, 'berth-jupyter-x');
      assert.equal(await new ServiceHostRepository(other).find(alias), undefined, 'a removed service keeps no host label');
      const sessionHost = { label: 's-of-a-session', project_uuid: projectUuid, service: 'web-0123-sess', port: 80, created_at: T0 };
      await new ServiceHostRepository(db).claim(sessionHost);
      await new ServiceHostRepository(db).claim({ ...sessionHost, label: 's-of-another-session', service: 'web-0123-other' });
      await new ServiceSessionRepository(db).deleteForSession(projectUuid, '0123-sess');
      assert.equal(await new ServiceHostRepository(other).find('s-of-a-session'), undefined, 'a stopped session keeps no host label');
      assert.ok(await new ServiceHostRepository(other).find('s-of-another-session'), "another session's label stays");
      await services.delete(projectUuid, 'svc');
      assert.deepEqual(await services.list(projectUuid), []);

      const env = new EnvVarRepository(db);
      await env.set({ project_uuid: projectUuid, pipeline_uuid: '', name: 'A', value: '1', updated_at: T0, sealed: 0 });
      await new EnvVarRepository(other).set({ project_uuid: projectUuid, pipeline_uuid: '', name: 'A', value: '2', updated_at: at(1), sealed: 0 });
      assert.deepEqual((await env.list(projectUuid, '')).map((v) => [v.name, v.value]), [['A', '2']]);
      assert.equal(await env.remove(projectUuid, '', 'A'), true);
    });

    test('leases: a server lease is live until it runs out; one leader at a time, a new token per new leader', async () => {
      const leases = [new LeaseRepository(db), new LeaseRepository(other)];
      await leases[0]!.renew({ id: 'a', host: 'h1', pid: 10, now: at(0), leaseUntil: at(15) });
      await leases[1]!.renew({ id: 'b', host: 'h2', pid: 20, now: at(0), leaseUntil: at(15) });
      await leases[0]!.renew({ id: 'a', host: 'h1', pid: 10, now: at(5), leaseUntil: at(20) });
      assert.deepEqual((await leases[1]!.expired(at(16))).map((l) => l.id), ['b']);
      // A new process with the same host and pid (a restarted container) holds a live lease: the old one is not orphaned work.
      await leases[1]!.renew({ id: 'b2', host: 'h2', pid: 20, now: at(16), leaseUntil: at(31) });
      assert.deepEqual((await leases[1]!.expired(at(21))).map((l) => l.id), ['a']);
      await leases[0]!.end('b2', at(22));
      await leases[0]!.renew({ id: 'b2', host: 'h2', pid: 20, now: at(23), leaseUntil: at(40) });
      assert.equal((await leases[0]!.servers()).find((l) => l.id === 'b2')?.lease_until, at(22), 'an ended lease is not renewed');

      const tokens = await Promise.all([leases[0]!.lead('scheduler', 'a', at(0), at(15)), leases[1]!.lead('scheduler', 'b', at(0), at(15)), leases[0]!.lead('scheduler', 'c', at(0), at(15))]);
      assert.equal(tokens.filter((t) => t !== null).length, 1, 'one leader');
      const leader = ['a', 'b', 'c'][tokens.findIndex((t) => t !== null)]!;
      const challenger = leader === 'a' ? 'b' : 'a';
      assert.equal(await leases[1]!.lead('scheduler', leader, at(10), at(25)), tokens.find((t) => t !== null), 'renewing keeps the token');
      assert.equal(await leases[0]!.lead('scheduler', challenger, at(20), at(35)), null, 'not before the lease runs out');
      const taken = await leases[0]!.lead('scheduler', challenger, at(26), at(41));
      assert.equal(taken, 2, 'a new leader gets a larger fencing token');
      assert.equal(await leases[1]!.holds(other, 'scheduler', leader, 1, at(27)), false);
      assert.equal(await leases[1]!.holds(other, 'scheduler', challenger, 2, at(27)), true);
      await leases[0]!.resign('scheduler', challenger, at(28));
      assert.equal(await leases[1]!.lead('scheduler', leader, at(29), at(44)), 3);
    });

    test('leases: the servers reachable on a host are the live ones with a URL, latest heartbeat first; a service without a host is claimed by one host', async () => {
      const leases = [new LeaseRepository(db), new LeaseRepository(other)];
      const now = Date.now();
      const iso = (ms: number) => new Date(now + ms).toISOString();
      await leases[0]!.renew({ id: 'ha-old', host: 'ha', pid: 1, now: iso(-2000), leaseUntil: iso(13_000), url: 'http://10.0.0.1:7420' });
      await leases[1]!.renew({ id: 'ha-new', host: 'ha', pid: 2, now: iso(-1000), leaseUntil: iso(14_000), url: 'http://10.0.0.1:7421' });
      await leases[0]!.renew({ id: 'ha-nourl', host: 'ha', pid: 3, now: iso(0), leaseUntil: iso(15_000) });
      await leases[0]!.renew({ id: 'ha-dead', host: 'ha', pid: 4, now: iso(-60_000), leaseUntil: iso(-45_000), url: 'http://10.0.0.1:7422' });
      await leases[0]!.renew({ id: 'hb', host: 'hb', pid: 5, now: iso(0), leaseUntil: iso(15_000), url: 'http://10.0.0.2:7420' });
      assert.deepEqual(await leases[1]!.reachableOn('ha', iso(0)), [{ id: 'ha-new', url: 'http://10.0.0.1:7421' }, { id: 'ha-old', url: 'http://10.0.0.1:7420' }]);
      await leases[0]!.end('ha-new', iso(1));
      assert.deepEqual((await leases[1]!.reachableOn('ha', iso(2))).map((l) => l.id), ['ha-old'], 'a server that stopped is not reachable');
      assert.deepEqual(await leases[1]!.reachableOn('hc', iso(2)), []);

      const services = new ServiceRepository(db, { hook });
      await services.insert({ project_uuid: projectUuid, name: 'legacy', definition_json: '{"ports":[1]}', handle_json: null, token_id: null, log_path: '/l', created_at: T0, host: null });
      const claimed = await Promise.all([services.claimHost(projectUuid, 'legacy', 'ha'), new ServiceRepository(other).claimHost(projectUuid, 'legacy', 'hb')]);
      assert.deepEqual(claimed.sort(), [false, true], 'one host claims it');
      const owner = (await services.get(projectUuid, 'legacy'))!.host;
      await services.setHandle(projectUuid, 'legacy', '{}', owner!);
      assert.equal((await new ServiceRepository(other).get(projectUuid, 'legacy'))!.host, owner);
      await services.delete(projectUuid, 'legacy');
    });

    test('reaper: the runs of a server whose lease expired end FAILURE once, with the reason; live servers keep theirs', async () => {
      const runs = new RunRepository(db, { hook });
      const leases = new LeaseRepository(db);
      const now = Date.now();
      const iso = (ms: number) => new Date(now + ms).toISOString();
      await leases.renew({ id: 'dead', host: 'hd', pid: 7, now: iso(-60_000), leaseUntil: iso(-45_000) });
      await leases.renew({ id: 'live', host: 'hl', pid: 8, now: iso(0), leaseUntil: iso(15_000) });
      const mk = async (host: string, pid: number, createdAt: string) => {
        const r = { ...run(projectUuid, randomUUID(), createdAt), kind: 'job', owner_host: host, owner_pid: pid };
        await runs.create(r, [step(r.uuid, 's1', 0)]);
        assert.equal(await runs.claim(r.uuid, createdAt), true);
        await runs.startStep(r.uuid, 's1', createdAt);
        return r.uuid;
      };
      const orphan = await mk('hd', 7, iso(-50_000));
      const kept = await mk('hl', 8, iso(-1000));
      const predecessor = await mk('hs', 9, iso(-30_000));
      const mine = await mk('hs', 9, iso(1000));
      const reaped = await Promise.all([
        reapExpiredServers(db, hook, { self: { host: 'hs', pid: 9, startedAt: iso(0) } }),
        reapExpiredServers(other, hook, { self: { host: 'hs', pid: 9, startedAt: iso(0) } }),
      ]);
      assert.deepEqual(reaped.flat().sort(), [orphan, predecessor].sort(), 'each orphaned run ended once');
      const ended = (await runs.get(orphan))!;
      assert.equal(ended.status, 'FAILURE');
      assert.match(ended.reason!, /the berth server dead \(host hd, pid 7\) stopped renewing its lease/);
      assert.equal((await runs.steps(orphan))[0]!.status, 'ABORTED');
      assert.match((await runs.get(predecessor))!.reason!, /had pid 9 on hs before this one/);
      assert.equal((await runs.get(kept))!.status, 'STARTED');
      assert.equal((await runs.get(mine))!.status, 'STARTED');
    });

    test('reaper: deliveries a server with an expired lease was sending are due again at once; a live server keeps its claims', async () => {
      const leases = new LeaseRepository(db);
      const deliveries = new DeliveryRepository(db);
      const now = Date.now();
      const iso = (ms: number) => new Date(now + ms).toISOString();
      await leases.renew({ id: 'gone-sender', host: 'hx', pid: 17, now: iso(-60_000), leaseUntil: iso(-45_000) });
      await leases.renew({ id: 'live-sender', host: 'hy', pid: 18, now: iso(0), leaseUntil: iso(15_000) });
      const sub = randomUUID();
      await new SubscriberRepository(db).add(
        { uuid: sub, kind: 'webhook', name: `reap-${sub}`, url: 'http://127.0.0.1:9/hook', secret_sealed: null, content_type: 'application/json', format: 'generic', verify_ssl: 1, created_at: iso(-70_000) },
        [{ event_type: '*', project_uuid: '', job_uuid: '' }],
      );
      const mk = async (owner: string) => {
        const uuid = randomUUID();
        await db.insertInto('deliveries').values({ uuid, event_uuid: randomUUID(), event_type: 'project:created', subscriber_uuid: sub, status: 'SCHEDULED', attempts: 0, scheduled_at: iso(-50_000), payload_json: '{}', created_at: iso(-50_000) }).execute();
        assert.equal((await deliveries.claim(owner, [uuid], iso(-40_000), iso(600_000))).length, 1);
        return uuid;
      };
      const orphan = await mk('hx:17:s4242');
      const kept = await mk('hy:18:s4343');
      await reapExpiredServers(db, hook, {});
      const due = (await deliveries.due(iso(0), 1000)).map((d) => d.uuid);
      assert.ok(due.includes(orphan), 'the dead sender’s delivery is due again');
      assert.ok(!due.includes(kept), 'the live sender keeps its claim');
    });

    test('servers starting together store the configured admin token once, without an error', async () => {
      const secret = `admin-${randomUUID()}`;
      await Promise.all([0, 1, 2, 3].map((i) => new TokenRegistry(i % 2 ? other : db).ensureAdmin(secret)));
      assert.ok(await new TokenRegistry(other).verify(secret));
    });

    test('sessions: one start wins a race; services upsert', async () => {
      const repos = [new SessionRepository(db, { hook }), new SessionRepository(other, { hook })];
      const row: SessionRow = { uuid: randomUUID(), project_uuid: projectUuid, pipeline_uuid: 'pl', pipeline_file: '/p/one/a.orchest', runtime: 'process', status: 'STARTING', reason: null, owner_pid: 1, owner_host: 'h', owner_start: null, created_at: T0, updated_at: T0 };
      const won = await Promise.all(repos.map((r) => r.claim(row, () => false)));
      assert.deepEqual(won.sort(), [false, true]);
      const svc = { session_uuid: row.uuid, name: 'jupyter', position: 0, definition_json: '{}', handle_json: null, log_path: '/l', restarts: 0, host: null };
      await repos[0]!.addService(svc);
      await repos[1]!.addService({ ...svc, position: 1 });
      await repos[0]!.countRestart(row.uuid, 'jupyter');
      assert.deepEqual((await repos[1]!.services(row.uuid)).map((s) => [s.position, s.restarts]), [[1, 1]]);
      changes.length = 0;
      await repos[1]!.setStatus(row.uuid, 'RUNNING', null, at(1));
      assert.deepEqual(changes, [{ entity: 'session', verb: 'started', sessionUuid: row.uuid }]);
    });

    test('event recorder: the events of a run in id order with their subject, one delivery per matching subscriber, every event kept under concurrent writers', async () => {
      const recorder = new EventRecorder({ now: () => at(60), salt: () => 'salt' });
      const runs = new RunRepository(db, { hook: recorder.record });
      const runs2 = new RunRepository(other, { hook: recorder.record });
      const subs = new SubscriberRepository(db);
      const mine = { uuid: randomUUID(), kind: 'webhook', name: `ev-${randomUUID()}`, url: 'http://127.0.0.1:9/x', secret_sealed: null, content_type: 'application/json', format: 'generic', verify_ssl: 1, created_at: T0 };
      const elsewhere = { ...mine, uuid: randomUUID(), name: `ev-${randomUUID()}` };
      assert.equal(await subs.add(mine, [{ event_type: '*', project_uuid: projectUuid, job_uuid: '' }]), true);
      assert.equal(await subs.add(elsewhere, [{ event_type: '*', project_uuid: randomUUID(), job_uuid: '' }]), true);

      const r = { ...run(projectUuid, randomUUID(), at(61)), kind: 'job' };
      await runs.create(r, [step(r.uuid, 's1', 0), step(r.uuid, 's2', 1)]);
      assert.equal(await runs2.claim(r.uuid, at(62)), true);
      assert.equal(await runs.finishStep(r.uuid, 's1', { status: 'FAILURE', now: at(63), exitCode: 1 }), true);
      assert.equal(await runs2.finish(r.uuid, 'FAILURE', at(64), 'failed step'), true);
      const events = await db.selectFrom('events').selectAll().where('run_uuid', '=', r.uuid).orderBy('id').execute();
      assert.deepEqual(events.map((e) => e.type), ['created', 'started', 'failed'].map((v) => `project:pipeline:interactive-session:pipeline-run:${v}`));
      const failed = JSON.parse(events[2]!.payload_json);
      assert.equal(failed.project.name, 'one');
      assert.equal(failed.project.pipeline.session.pipeline_run.status, 'FAILURE');
      assert.deepEqual(failed.project.pipeline.session.pipeline_run.failed_steps, [{ uuid: 's1', title: 's1' }]);
      const deliveries = await db.selectFrom('deliveries').select(['event_uuid', 'subscriber_uuid']).where('subscriber_uuid', 'in', [mine.uuid, elsewhere.uuid]).execute();
      assert.deepEqual(deliveries.map((d) => d.subscriber_uuid), [mine.uuid, mine.uuid, mine.uuid], 'only the subscriber of this project gets them');
      assert.deepEqual(new Set(deliveries.map((d) => d.event_uuid)), new Set(events.map((e) => e.uuid)));

      // A job's run: the event names the job and the run's place in it (from the job link).
      const j = job(projectUuid, at(80));
      await new JobRepository(db).create(j);
      const jr = { ...run(projectUuid, randomUUID(), at(81)), kind: 'job' };
      await runs.create(jr, [step(jr.uuid, 's1', 0)]);
      await new JobRepository(db).linkRun({ run_uuid: jr.uuid, job_uuid: j.uuid, job_run_index: 2, job_run_pipeline_run_index: 1, pipeline_run_index: 5, batch_size: 3, parameters_json: '{"a":1}', work_dir: '/w' });
      assert.equal(await runs2.claim(jr.uuid, at(82)), true);
      const started = (await db.selectFrom('events').selectAll().where('run_uuid', '=', jr.uuid).orderBy('id', 'desc').executeTakeFirstOrThrow());
      assert.equal(started.type, 'project:cron-job:run:pipeline-run:started');
      assert.equal(started.job_uuid, j.uuid);
      const jobPayload = JSON.parse(started.payload_json).project.job;
      assert.equal(jobPayload.name, j.name);
      assert.deepEqual([jobPayload.pipeline_run.number, jobPayload.pipeline_run.job_run_index, jobPayload.pipeline_run.job_run_pipeline_run_index], [5, 2, 1]);
      assert.deepEqual(jobPayload.pipeline_run.parameters, { a: 1 });

      // Writers on two handles at once (two servers' pools on PostgreSQL): every change keeps its event.
      const many = Array.from({ length: 12 }, (_, i) => ({ ...run(projectUuid, randomUUID(), at(90 + i)), kind: 'job' }));
      await Promise.all(many.map((m, i) => (i % 2 ? runs : runs2).create(m, [step(m.uuid, 's1', 0)])));
      const created = await db.selectFrom('events').select(['id', 'uuid']).where('run_uuid', 'in', many.map((m) => m.uuid)).execute();
      assert.equal(created.length, 12);
      assert.equal(new Set(created.map((c) => c.id)).size, 12);
      const fanOut = await db.selectFrom('deliveries').select('event_uuid').where('subscriber_uuid', '=', mine.uuid).where('event_uuid', 'in', created.map((c) => c.uuid)).execute();
      assert.equal(fanOut.length, 12);
    });
  });
}

function run(projectUuid: string, pipelineUuid: string, createdAt: string): RunRow {
  return {
    uuid: randomUUID(), project_uuid: projectUuid, pipeline_uuid: pipelineUuid, pipeline_path: 'a.orchest', pipeline_name: 'a', run_type: 'full', kind: 'interactive',
    status: 'PENDING', fail_fast: 1, parameters_json: '{}', runtime: 'process', run_dir: '/r', reason: null, owner_pid: 4242, owner_host: 'host-a', owner_start: null, created_at: createdAt, started_at: null, finished_at: null,
  };
}

function step(runUuid: string, stepUuid: string, position: number): StepRunRow {
  return { run_uuid: runUuid, step_uuid: stepUuid, title: stepUuid, file_path: `${stepUuid}.sh`, position, status: 'PENDING', started_at: null, finished_at: null, exit_code: null, reason: null, log_path: `/l/${stepUuid}`, handle_json: null };
}

function job(projectUuid: string, next: string): JobRow {
  return {
    uuid: randomUUID(), name: `job-${randomUUID()}`, project_uuid: projectUuid, pipeline_uuid: 'pl', pipeline_name: 'a', pipeline_path: 'a.orchest', schedule: '* * * * *', timezone: 'UTC', scheduled_start: null,
    next_scheduled_time: next, last_scheduled_time: null, status: 'PENDING', parameters_json: '[{}]', grid_json: '{}', env_json: '{}', max_retained_pipeline_runs: -1, snapshot_dir: '/s',
    total_scheduled_executions: 0, total_scheduled_pipeline_runs: 0, created_at: T0, updated_at: T0,
  };
}

function build(createdAt: string): BuildRow {
  return { uuid: randomUUID(), project_dir: null, environment_uuid: 'e', environment_name: 'env', image: 'img', status: 'PENDING', reason: null, log_path: '/l', owner_pid: 1, owner_host: 'h', owner_start: null, created_at: createdAt, started_at: null, finished_at: null };
}

function instance(id: string, name: string, uid: number): InstanceRow {
  return {
    id, name, owner: `u${uid}`, owner_uid: uid, host: 'h', runtime: 'process', image: 'host', command_json: '["sleep","9"]', restart_policy: 'no', health_cmd: null, health_port: null,
    health_interval_ms: 1000, health: 'none', status: 'starting', keeper_pid: 1, keeper_start: 1, handle_json: null, log_out_path: '/x.out', log_err_path: '/x.err', restarts: 0,
    exit_code: null, reason: null, stop_signal: null, stop_grace_ms: null, created_at: T0, started_at: null,
  };
}
