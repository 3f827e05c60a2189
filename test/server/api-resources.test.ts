import assert from 'node:assert/strict';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { bashPipeline, TestServer } from '../helpers/berth-server.ts';

type Json = Record<string, any>;

describe('REST API: projects, pipelines and runs', () => {
  const t = new TestServer();
  let projectDir = '';
  before(async () => {
    await t.start();
    const { pipeline, files } = bashPipeline('chain', [['First', 'echo first-output\n'], ['Second', 'echo second; exit 3\n']]);
    projectDir = (await t.project('demo', { ...files, 'chain.orchest': JSON.stringify(pipeline) })).path;
  });
  after(async () => {
    await t.close();
    t.cleanup();
  });

  it('projects: create, list, show by name or uuid; 400 with the field path; 409 on a taken name', async () => {
    const list = (await (await t.api('GET', '/api/projects')).json()) as Json;
    assert.deepEqual(list.projects.map((p: Json) => p.name), ['demo']);
    const byName = (await (await t.api('GET', '/api/projects/demo')).json()) as Json;
    const byUuid = (await (await t.api('GET', `/api/projects/${byName.uuid}`)).json()) as Json;
    assert.equal(byUuid.name, 'demo');
    const bad = await t.api('POST', '/api/projects', { body: { name: 'x', path: { not: 'a string' }, extra: true } });
    assert.equal(bad.status, 400);
    const paths = ((await bad.json()) as Json).error.problems.map((p: Json) => p.path).sort();
    assert.deepEqual(paths, ['body.extra', 'body.path']);
    const taken = await t.api('POST', '/api/projects', { body: { name: 'demo', path: projectDir } });
    assert.equal(taken.status, 409);
    assert.equal(((await taken.json()) as Json).error.code, 'BERTH_E_CONFLICT');
    const missing = await t.api('POST', '/api/projects', { body: { name: 'ghost', path: join(t.root, 'nope') } });
    assert.equal(missing.status, 400);
    assert.equal(((await missing.json()) as Json).error.problems[0].path, 'path');
    assert.equal((await t.api('GET', '/api/projects/nope')).status, 404);
  });

  it('pipelines: list, read, write an old-format file (stored as 1.2.3), validate, and refuse paths outside the project', async () => {
    const list = (await (await t.api('GET', '/api/projects/demo/pipelines')).json()) as Json;
    assert.deepEqual(list.pipelines.map((p: Json) => [p.path, p.valid]), [['chain.orchest', true]]);
    const read = (await (await t.api('GET', '/api/projects/demo/pipelines/chain.orchest')).json()) as Json;
    assert.equal(read.pipeline.name, 'chain');
    const old = { name: 'old', uuid: '22222222-2222-4222-8222-222222222222', version: '1.0.0', settings: {}, steps: {}, services: { db: { name: 'db', image: 'redis', entrypoint: 'redis-server', command: '--port 6379', scope: ['interactive'] } } };
    const put = await t.api('PUT', `/api/projects/demo/pipelines/${encodeURIComponent('sub/old.orchest')}`, { body: old });
    assert.equal(put.status, 201, await put.clone().text());
    const written = JSON.parse(readFileSync(join(projectDir, 'sub', 'old.orchest'), 'utf8')) as Json;
    assert.equal(written.version, '1.2.3');
    assert.equal(written.services.db.command, 'redis-server');
    assert.equal(written.services.db.args, '--port 6379');
    assert.equal((await t.api('PUT', `/api/projects/demo/pipelines/${encodeURIComponent('sub/old.orchest')}`, { body: old })).status, 200);
    const byUuid = (await (await t.api('GET', '/api/projects/demo/pipelines/22222222-2222-4222-8222-222222222222')).json()) as Json;
    assert.equal(byUuid.path, 'sub/old.orchest');
    const invalid = await t.api('PUT', '/api/projects/demo/pipelines/bad.orchest', { body: { name: 'bad', uuid: 'x', settings: {}, steps: { a: 1 } } });
    assert.equal(invalid.status, 400);
    assert.ok(((await invalid.json()) as Json).error.problems.some((p: Json) => p.path.startsWith('steps')));
    const escape = await t.api('PUT', `/api/projects/demo/pipelines/${encodeURIComponent('../escape.orchest')}`, { body: old });
    assert.equal(escape.status, 400);
    const report = (await (await t.api('POST', '/api/projects/demo/pipelines/validate', { body: { pipeline: { name: 'v', uuid: 'x', settings: {}, steps: { a: 1 } } } })).json()) as Json;
    assert.equal(report.valid, false);
    assert.ok(report.problems.length > 0);
  });

  it('pipelines: the validate route and the list flag a missing step file, as run does', async () => {
    const { pipeline } = bashPipeline('gap', [['Only', 'echo only\n']]);
    (pipeline.steps as Json)['00000000-0000-4000-8000-000000000001'].file_path = 'steps/not-there.sh';
    const report = (await (await t.api('POST', '/api/projects/demo/pipelines/validate', { body: { pipeline, path: 'gap.orchest' } })).json()) as Json;
    assert.equal(report.valid, false);
    assert.deepEqual(report.problems.map((p: Json) => p.path), ['steps.00000000-0000-4000-8000-000000000001.file_path']);
    assert.match(report.problems[0].message, /steps\/not-there\.sh does not exist/);
    const put = await t.api('PUT', '/api/projects/demo/pipelines/gap.orchest', { body: pipeline });
    assert.equal(put.status, 201, 'a pipeline whose step file is yet to be written can be saved');
    const list = (await (await t.api('GET', '/api/projects/demo/pipelines')).json()) as Json;
    assert.deepEqual(list.pipelines.find((p: Json) => p.path === 'gap.orchest'), { path: 'gap.orchest', uuid: pipeline.uuid, name: 'gap', valid: false, problems: 1 });
    const run = await t.api('POST', '/api/projects/demo/runs', { body: { pipeline: 'gap.orchest' } });
    assert.equal(run.status, 400);
    assert.equal(((await run.json()) as Json).error.problems[0].path, 'steps.00000000-0000-4000-8000-000000000001.file_path');
    rmSync(join(projectDir, 'gap.orchest'));
  });

  it('runs: start (201 at once), show with steps, logs, list; a failing step fails the run', async () => {
    const res = await t.api('POST', '/api/projects/demo/runs', { body: { pipeline: 'chain.orchest' } });
    assert.equal(res.status, 201);
    const uuid = ((await res.json()) as Json).run.uuid as string;
    const report = await t.waitForRun(uuid);
    assert.equal(report.run.status, 'FAILURE');
    assert.deepEqual(report.steps.map((s) => [s.title, s.status]), [['First', 'SUCCESS'], ['Second', 'FAILURE']]);
    const log = await t.api('GET', `/api/runs/${uuid.slice(0, 8)}/steps/First/logs`);
    assert.equal(await log.text(), 'first-output\n');
    const runs = (await (await t.api('GET', '/api/projects/demo/runs?limit=5')).json()) as Json;
    assert.ok(runs.runs.some((r: Json) => r.uuid === uuid));
    assert.equal((await t.api('GET', '/api/runs?status=NOPE')).status, 400);
    assert.equal((await t.api('GET', '/api/runs/ffffffff')).status, 404);
  });

  it('runs: a selection run, step logs followed over SSE, and cancel', async () => {
    const sel = await t.api('POST', '/api/projects/demo/runs', { body: { pipeline: 'chain.orchest', run_type: 'selection', uuids: ['First'] } });
    const selReport = await t.waitForRun(((await sel.json()) as Json).run.uuid);
    assert.deepEqual(selReport.steps.map((s) => s.title), ['First']);
    assert.equal(selReport.run.status, 'SUCCESS');

    const { writeFileSync, mkdirSync } = await import('node:fs');
    mkdirSync(join(projectDir, 'slow'), { recursive: true });
    writeFileSync(join(projectDir, 'slow', '0.sh'), 'echo started; sleep 30\n');
    writeFileSync(join(projectDir, 'slow', '1.sh'), 'echo never\n');
    const slow = bashPipeline('slow', [['Wait', ''], ['After', '']]).pipeline as Json;
    for (const s of Object.values(slow.steps as Json)) (s as Json).file_path = (s as Json).file_path.replace('steps/', 'slow/');
    await t.api('PUT', '/api/projects/demo/pipelines/slow.orchest', { body: { ...slow, uuid: '33333333-3333-4333-8333-333333333333' } });
    const started = await t.api('POST', '/api/projects/demo/runs', { body: { pipeline: 'slow.orchest' } });
    const uuid = ((await started.json()) as Json).run.uuid as string;
    const sse = await t.api('GET', `/api/runs/${uuid}/steps/Wait/logs?follow=1`);
    assert.match(sse.headers.get('content-type') ?? '', /text\/event-stream/);
    const reader = sse.body!.getReader();
    let text = '';
    while (!text.includes('started')) text += new TextDecoder().decode((await reader.read()).value);
    assert.match(text, /^data: "started\\n"/);
    const cancel = await t.api('DELETE', `/api/runs/${uuid}`);
    assert.equal(((await cancel.json()) as Json).run.status, 'ABORTED');
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      text += new TextDecoder().decode(value);
    }
    assert.match(text, /event: end\ndata: \{"status":"ABORTED"/);
    const report = await t.waitForRun(uuid);
    assert.deepEqual(report.steps.map((s) => s.status), ['ABORTED', 'ABORTED']);
  });

  it('bad bodies: 400 with the field path, unknown step selector 400, body too large 413', async () => {
    const res = await t.api('POST', '/api/projects/demo/runs', { body: { pipeline: 'chain.orchest', run_type: 'sideways', uuids: 'First' } });
    assert.equal(res.status, 400);
    const paths = ((await res.json()) as Json).error.problems.map((p: Json) => p.path);
    assert.ok(paths.some((p: string) => p.startsWith('body.run_type')), paths.join(','));
    const unknown = await t.api('POST', '/api/projects/demo/runs', { body: { pipeline: 'chain.orchest', run_type: 'selection', uuids: ['Nope'] } });
    assert.equal(unknown.status, 400);
    const big = await t.api('PUT', '/api/projects/demo/pipelines/big.orchest', { body: { name: 'x'.repeat(2 * 1024 * 1024) } });
    assert.equal(big.status, 413);
    assert.equal(((await big.json()) as Json).error.code, 'BERTH_E_BODY_TOO_LARGE');
    const notJson = await fetch(`${t.url}/api/projects`, { method: 'POST', headers: { authorization: 'Bearer test-admin-token-0123456789', 'content-type': 'application/json' }, body: '{nope' });
    assert.equal(notJson.status, 400);
    assert.doesNotMatch(await notJson.text(), /\n\s+at /);
  });
});
