import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance, InjectOptions } from 'fastify';
import { AuthFailureLimiter } from '../../src/auth/auth-failure-limiter.ts';
import { loadConfig } from '../../src/config/config.ts';
import { Engine } from '../../src/engine/engine.ts';
import { buildApp } from '../../src/server/build-app.ts';
import { pipeline, Sandbox } from '../helpers/berth-cli.ts';

const ADMIN = 'contract-admin-token-0123456789';
type ErrorBody = { error: { code: string; message: string; problems: Array<{ path: string; message: string; fix?: string }> } };

/**
 * The API's contract, exercised in-process with Fastify's inject (no sockets): status codes, the
 * error envelope with field paths, and the shapes clients (the UI, the CLI) rely on.
 */
describe('API contract (buildApp + inject)', () => {
  const box = new Sandbox();
  let engine: Engine;
  let app: FastifyInstance;
  const auth = { authorization: `Bearer ${ADMIN}` };
  before(async () => {
    engine = await Engine.open(loadConfig({ ...box.env(), BERTH_ADMIN_TOKEN: ADMIN }));
    await engine.tokens.ensureAdmin(ADMIN);
    const { projects, tokens, services, serviceAccess, webSessions } = engine;
    app = await buildApp({ ctx: { engine, projects, tokens, services, serviceAccess, webSessions, limiter: new AuthFailureLimiter(), scheduler: null }, logger: false });
    box.file('steps/a.sh', 'echo a\n');
    writeFileSync(join(box.project, 'flow.orchest'), JSON.stringify(pipeline('flow', [{ title: 'A', file: 'steps/a.sh' }])));
  });
  after(async () => {
    await app.close();
    await engine.close();
    box.cleanup();
  });

  const errorOf = (body: string): ErrorBody['error'] => {
    const parsed = JSON.parse(body) as ErrorBody;
    assert.equal(typeof parsed.error.code, 'string');
    assert.equal(typeof parsed.error.message, 'string');
    assert.ok(Array.isArray(parsed.error.problems));
    return parsed.error;
  };

  it('answers every failure with the coded error envelope, never a stack trace', async () => {
    const cases: Array<{ req: InjectOptions; status: number; code: string; path?: string }> = [
      { req: { method: 'GET', url: '/api/projects' }, status: 401, code: 'BERTH_E_UNAUTHORIZED', path: 'Authorization' },
      { req: { method: 'GET', url: '/api/nothing-here', headers: auth }, status: 404, code: 'BERTH_E_NOT_FOUND' },
      { req: { method: 'GET', url: '/api/projects/ghost', headers: auth }, status: 404, code: 'BERTH_E_PROJECT_NOT_FOUND', path: 'project' },
      { req: { method: 'POST', url: '/api/projects', headers: auth, payload: { path: box.project } }, status: 400, code: 'BERTH_E_INVALID_ARGUMENT', path: 'body.name' },
      { req: { method: 'POST', url: '/api/projects', headers: auth, payload: { name: 'x', path: box.project, colour: 'red' } }, status: 400, code: 'BERTH_E_INVALID_ARGUMENT', path: 'body.colour' },
      { req: { method: 'POST', url: '/api/projects', headers: { ...auth, 'content-type': 'application/json' }, payload: '{"name": ' }, status: 400, code: 'BERTH_E_INVALID_ARGUMENT' },
      { req: { method: 'POST', url: '/api/projects', headers: { ...auth, 'content-type': 'application/json' }, payload: JSON.stringify({ name: 'big', path: 'x'.repeat(2 * 1024 * 1024) }) }, status: 413, code: 'BERTH_E_BODY_TOO_LARGE' },
      // curl's default for --data: a form, which no route takes.
      { req: { method: 'POST', url: '/api/projects', headers: { ...auth, 'content-type': 'application/x-www-form-urlencoded' }, payload: 'name=x' }, status: 415, code: 'BERTH_E_UNSUPPORTED_MEDIA_TYPE', path: 'Content-Type' },
    ];
    for (const { req, status, code, path } of cases) {
      const res = await app.inject(req);
      assert.equal(res.statusCode, status, `${JSON.stringify(req).slice(0, 120)} → ${res.body}`);
      const error = errorOf(res.body);
      assert.equal(error.code, code);
      if (path) assert.ok(error.problems.some((p) => p.path === path), `a problem names ${path}: ${res.body}`);
      assert.doesNotMatch(res.body, /\n\s+at /, 'no stack trace');
    }
  });

  it('projects: create 201, duplicate 409 naming the field, list, rename, delete', async () => {
    const created = await app.inject({ method: 'POST', url: '/api/projects', headers: auth, payload: { name: 'contract', path: box.project } });
    assert.equal(created.statusCode, 201, created.body);
    const project = created.json() as { uuid: string; name: string; path: string; created_at: string };
    assert.deepEqual(Object.keys(project).sort(), ['created_at', 'name', 'path', 'uuid']);
    const again = await app.inject({ method: 'POST', url: '/api/projects', headers: auth, payload: { name: 'contract', path: box.project } });
    assert.equal(again.statusCode, 409);
    assert.ok(errorOf(again.body).problems.some((p) => p.path === 'name'));
    const list = (await app.inject({ method: 'GET', url: '/api/projects', headers: auth })).json() as { projects: Array<{ uuid: string }> };
    assert.deepEqual(list.projects.map((p) => p.uuid), [project.uuid]);
    const renamed = await app.inject({ method: 'PATCH', url: `/api/projects/${project.uuid}`, headers: auth, payload: { name: 'contract-2' } });
    assert.equal(renamed.statusCode, 200, renamed.body);
    assert.equal((renamed.json() as { name: string }).name, 'contract-2');
    const gone = await app.inject({ method: 'DELETE', url: '/api/projects/contract-2', headers: auth });
    assert.equal(gone.statusCode, 200, gone.body);
    assert.equal((await app.inject({ method: 'GET', url: '/api/projects/contract-2', headers: auth })).statusCode, 404);
  });

  it('pipelines: read, validate with JSON paths, write Orchest 1.2.3 back to the file', async () => {
    mkdirSync(join(box.root, 'p2'), { recursive: true });
    writeFileSync(join(box.root, 'p2', 'a.sh'), 'echo a\n');
    const dir = join(box.root, 'p2');
    writeFileSync(join(dir, 'two.orchest'), JSON.stringify(pipeline('two', [{ title: 'A', file: 'a.sh' }])));
    assert.equal((await app.inject({ method: 'POST', url: '/api/projects', headers: auth, payload: { name: 'pipes', path: dir } })).statusCode, 201);
    const listed = (await app.inject({ method: 'GET', url: '/api/projects/pipes/pipelines', headers: auth })).json() as { pipelines: Array<{ path: string }> };
    assert.deepEqual(listed.pipelines.map((p) => p.path), ['two.orchest']);
    const got = await app.inject({ method: 'GET', url: '/api/projects/pipes/pipelines/two.orchest', headers: auth });
    assert.equal(got.statusCode, 200, got.body);
    const doc = (got.json() as { pipeline: Record<string, unknown> }).pipeline;
    const bad = await app.inject({ method: 'POST', url: '/api/projects/pipes/pipelines/validate', headers: auth, payload: { pipeline: { ...doc, steps: { x: { title: 'X', file_path: 'a.sh', incoming_connections: ['nope'] } } } } });
    const report = bad.json() as { valid: boolean; problems: Array<{ path: string }> };
    assert.equal(report.valid, false, bad.body);
    assert.ok(report.problems.some((p) => p.path.startsWith('steps.x')), bad.body);
    const put = await app.inject({ method: 'PUT', url: '/api/projects/pipes/pipelines/two.orchest', headers: auth, payload: { ...doc, name: 'renamed' } });
    assert.ok([200, 201].includes(put.statusCode), put.body);
    const onDisk = JSON.parse(readFileSync(join(dir, 'two.orchest'), 'utf8')) as { name: string; version: string };
    assert.deepEqual([onDisk.name, onDisk.version], ['renamed', '1.2.3']);
  });
});
