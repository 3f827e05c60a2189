import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { loadConfig } from '../../src/config/config.ts';
import { Engine } from '../../src/engine/engine.ts';
import { openStore } from '../../src/store/open-store.ts';
import { ServiceRepository } from '../../src/store/service-repository.ts';
import { SessionRepository } from '../../src/store/session-repository.ts';
import { parseJson, pipeline, Sandbox, writePipeline } from '../helpers/berth-cli.ts';
import { TestServer } from '../helpers/berth-server.ts';

const T = { timeout: 60_000 };
const failingHook = async () => {
  throw new Error('event store full');
};

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const srv = createServer().listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

describe('events of interactive sessions (process runtime)', () => {
  const box = new Sandbox();
  let engine: Engine;
  let file = '';
  let broken = '';
  before(async () => {
    const port = await freePort();
    const web = { name: 'web', image: 'ignored-on-host', command: 'python3', args: `-m http.server ${port} --bind 127.0.0.1`, ports: [port], scope: ['interactive'] };
    box.file('step.sh', 'echo hi\n');
    file = writePipeline(box, 'p.orchest', pipeline('p', [{ title: 'S', file: 'step.sh' }], { services: { web } }));
    const crash = { name: 'crash', image: 'x', command: 'sh', args: "-c 'exit 3'", ports: [await freePort()], scope: ['interactive'] };
    broken = writePipeline(box, 'broken.orchest', pipeline('broken', [{ title: 'S', file: 'step.sh' }], { services: { crash } }));
    engine = await Engine.open(loadConfig(box.env()));
  });
  after(async () => {
    await engine.sessions.stop(file).catch(() => undefined);
    await engine.close();
    box.cleanup();
  });

  it('start and stop record started / stopped, nested project > pipeline > session', T, async () => {
    const started = await engine.sessions.start(file);
    assert.equal(started.status, 'RUNNING');
    await engine.sessions.stop(file);
    assert.equal((await engine.sessions.stop(file)).status, 'STOPPED', 'stop is idempotent');
    const events = (await engine.outbox.events.list({ type: 'project:pipeline:interactive-session:' })).events.reverse();
    assert.deepEqual(events.map((e) => e.type), ['project:pipeline:interactive-session:started', 'project:pipeline:interactive-session:stopped']);
    const [first, second] = events;
    assert.equal(first!.project.name, 'project');
    assert.equal(first!.project.pipeline!.name, 'p');
    assert.equal(first!.project.pipeline!.path, 'p.orchest');
    assert.deepEqual(first!.project.pipeline!.session, { uuid: started.uuid, type: 'interactive', status: 'RUNNING', reason: null });
    assert.equal(second!.project.pipeline!.session!.status, 'STOPPED');
    const types = (await engine.outbox.events.list({ projectUuid: first!.project.uuid })).events.map((e) => e.type);
    assert.ok(types.includes('project:created') && types.includes('project:pipeline:created'), 'a session start registers its project with events too');
  });

  it('a session whose service never becomes ready records failed with the reason', T, async () => {
    await assert.rejects(engine.sessions.start(broken, { readyTimeoutMs: 10_000 }));
    const [failed] = (await engine.outbox.events.list({ type: 'project:pipeline:interactive-session:failed' })).events;
    assert.equal(failed!.project.pipeline!.name, 'broken');
    assert.equal(failed!.project.pipeline!.session!.status, 'FAILED');
    assert.match(failed!.project.pipeline!.session!.reason ?? '', /crash/);
  });

  it('a session event that cannot be written rolls the status change back', async () => {
    const db = await openStore(engine.config.dbPath);
    try {
      const rows = new SessionRepository(db, { hook: failingHook });
      const [row] = await rows.list();
      await assert.rejects(rows.setStatus(row!.uuid, 'RUNNING', null, new Date().toISOString()), /event store full/);
      assert.equal((await rows.get(row!.uuid))!.status, row!.status);
    } finally {
      await db.destroy();
    }
  });

  it('`berth events types` lists the session, environment build and service types', async () => {
    const res = await box.run(['events', 'types', '--json']);
    assert.equal(res.code, 0, res.stderr);
    const types: string[] = parseJson(res.stdout).event_types;
    for (const t of [
      'project:pipeline:interactive-session:started', 'project:pipeline:interactive-session:stopped', 'project:pipeline:interactive-session:failed',
      'project:environment:image-build:started', 'project:environment:image-build:succeeded', 'project:environment:image-build:failed',
      'project:service:created', 'project:service:deleted',
    ]) assert.ok(types.includes(t), t);
  });
});

describe('events of project services (server, process runtime)', () => {
  const t = new TestServer();
  let port = 0;
  before(async () => {
    await t.start();
    await t.project('svc');
    port = await freePort();
  });
  after(async () => {
    await t.api('DELETE', '/api/projects/svc/services/web');
    await t.close();
    t.cleanup();
  });

  it('deploy and remove record created / deleted, nested project > service, without its variables', T, async () => {
    const body = { name: 'web', command: 'python3', args: `-m http.server ${port} --bind 127.0.0.1`, ports: [port], env_variables: { SECRET_VALUE: 'hunter2-secret' } };
    const created = await t.api('POST', '/api/projects/svc/services', { body });
    assert.equal(created.status, 201, await created.clone().text());
    assert.equal((await t.api('DELETE', '/api/projects/svc/services/web')).status, 204);
    const res = await t.api('GET', '/api/events?type=project:service:');
    assert.equal(res.status, 200);
    const text = await res.text();
    assert.doesNotMatch(text, /hunter2-secret/, 'service variables never reach an event');
    const events = (JSON.parse(text) as { events: Array<{ type: string; project: { name: string; service?: unknown } }> }).events.reverse();
    assert.deepEqual(events.map((e) => e.type), ['project:service:created', 'project:service:deleted']);
    for (const e of events) {
      assert.equal(e.project.name, 'svc');
      assert.deepEqual(e.project.service, { name: 'web', image: 'host', ports: [port] });
    }
  });

  it('a service event that cannot be written rolls the insert back', async () => {
    const engineDb = await openStore(loadConfig({ BERTH_HOME: t.home }).dbPath);
    try {
      const rows = new ServiceRepository(engineDb, { hook: failingHook });
      const [project] = await engineDb.selectFrom('projects').select('uuid').where('name', '=', 'svc').execute();
      const row = { project_uuid: project!.uuid, name: 'ghost', definition_json: '{"ports":[1]}', handle_json: null, token_id: null, log_path: '/dev/null', created_at: new Date().toISOString(), host: null };
      await assert.rejects(rows.insert(row), /event store full/);
      assert.equal(await rows.get(project!.uuid, 'ghost'), undefined);
    } finally {
      await engineDb.destroy();
    }
  });
});
