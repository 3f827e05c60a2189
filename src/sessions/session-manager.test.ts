import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import type { Kysely } from 'kysely';
import { pino } from 'pino';
import { loadConfig } from '../config/config.ts';
import type { EnvVars } from '../projects/env-vars.ts';
import { loadPipeline } from '../projects/pipeline-loader.ts';
import type { StepRuntime } from '../runs/step-runtime.ts';
import type { StepRuntimes } from '../runs/step-runtimes.ts';
import { openStore } from '../store/open-store.ts';
import { ProjectRepository } from '../store/project-repository.ts';
import { SessionRepository } from '../store/session-repository.ts';
import type { Database } from '../store/tables.ts';
import { SessionManager } from './session-manager.ts';

/** A session's teardown that fails is not swallowed silently: a warning names the session and what failed. */
describe('SessionManager: a failed teardown is logged', () => {
  const root = mkdtempSync(join(tmpdir(), 'berth-session-manager-'));
  const lines: Array<Record<string, unknown>> = [];
  let db: Kysely<Database>;
  let manager: SessionManager;
  const projectDir = join(root, 'project');
  const token = 'secret-token-never-logged-0123456789';
  const hook = async () => undefined;
  // The engine stands for one that stopped answering: every teardown asks it for the session's runtime first.
  const runtimes = { get: async () => Promise.reject(new Error('the container engine does not answer')) } as unknown as StepRuntimes;
  const failingRuntime = { name: 'docker', driver: { capabilities: { isolation: true, pullsImages: false }, init: async () => undefined } } as unknown as StepRuntime;

  before(async () => {
    mkdirSync(join(projectDir, '.orchest'), { recursive: true });
    writeFileSync(join(projectDir, 'p.orchest'), JSON.stringify({
      name: 'p', uuid: '41111111-2222-4333-8444-555555555555', version: '1.2.3', parameters: {}, settings: {}, steps: {},
      services: { db: { name: 'db', image: 'no-such-image', scope: ['noninteractive'], ports: [5432], env_variables: { TOKEN: token } } },
    }));
    db = await openStore(join(root, 'berth.db'));
    const config = loadConfig({ PATH: '/usr/bin:/bin', BERTH_HOME: join(root, 'home') });
    const sink = new Writable({ write: (chunk: Buffer, _enc, cb) => (lines.push(...chunk.toString().split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>)), cb()) });
    manager = new SessionManager({ db, config, runtimes, envVars: { forRun: async () => ({ project: {}, pipeline: {} }) } as unknown as EnvVars, hook, log: pino({ level: 'info' }, sink) });
  });
  after(async () => {
    await db.destroy();
    rmSync(root, { recursive: true, force: true });
  });

  it("ending a job run's session: the run's session is STOPPED and the teardown's failure is a warning with the session id", async () => {
    const project = await new ProjectRepository(db, { hook }).ensure(projectDir, 'project', new Date().toISOString());
    const uuid = '51111111-2222-4333-8444-555555555555';
    const now = new Date().toISOString();
    const rows = new SessionRepository(db, { hook });
    await rows.claim({ uuid, project_uuid: project.uuid, pipeline_uuid: '41111111-2222-4333-8444-555555555555', pipeline_file: join(projectDir, 'p.orchest'), runtime: 'docker', status: 'RUNNING', reason: null, owner_pid: null, owner_host: null, owner_start: null, created_at: now, updated_at: now }, () => true);
    await manager.endForRun(uuid);
    assert.equal((await rows.get(uuid))?.status, 'STOPPED');
    const warning = lines.find((l) => l.session === uuid && l.level === 40);
    assert.ok(warning, JSON.stringify(lines));
    assert.match(String(warning.msg), /teardown failed/);
    assert.match(String(warning.err), /the container engine does not answer/);
  });

  it("a job run's session that fails to start: the start's error is thrown, the teardown's failure is a warning, no token in the log", async () => {
    const project = await new ProjectRepository(db, { hook }).ensure(projectDir, 'project', new Date().toISOString());
    const run = { uuid: '61111111-2222-4333-8444-555555555555', project_uuid: project.uuid, pipeline_uuid: '41111111-2222-4333-8444-555555555555' };
    const start = Promise.reject(new Error('cannot start the service'));
    start.catch(() => undefined);
    const runtime = { ...failingRuntime, driver: { ...failingRuntime.driver, start: () => start } } as unknown as StepRuntime;
    // The service's image is asked of the (failing) engine before its start: either failure fails the start.
    await assert.rejects(manager.startForRun(run, loadPipeline(join(projectDir, 'p.orchest')), runtime));
    const warning = lines.find((l) => l.session === run.uuid && l.level === 40);
    assert.ok(warning, JSON.stringify(lines));
    assert.match(String(warning.msg), /failed to start; tearing down what it started failed too/);
    assert.match(String(warning.err), /the container engine does not answer/);
    assert.ok(!lines.some((l) => JSON.stringify(l).includes(token)), 'no token in the log');
  });
});
