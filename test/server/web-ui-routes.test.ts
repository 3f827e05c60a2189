import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { bashPipeline, TestServer } from '../helpers/berth-server.ts';

type Json = Record<string, any>;
const STEP1 = '00000000-0000-4000-8000-000000000001';
const ENV = 'aaaaaaaa-1111-4222-8333-444444444444';

/** The routes the web UI needs: a pipeline file as the editor opens it, the project's sessions and environments, runs by pipeline. */
describe('REST API for the web UI', () => {
  const t = new TestServer();
  let dir = '';
  let otherToken = '';
  before(async () => {
    await t.start();
    const { pipeline, files } = bashPipeline('chain', [['First', 'echo 1\n'], ['Second', 'echo 2\n']]);
    (pipeline.steps as Json)[STEP1].environment = ENV;
    const gap = structuredClone(pipeline) as Json;
    gap.uuid = '99999999-2222-4333-8444-555555555555';
    gap.steps['00000000-0000-4000-8000-000000000002'].file_path = 'steps/not-there.sh';
    gap.steps[STEP1].incoming_connections = ['00000000-0000-4000-8000-000000000002'];
    dir = (await t.project('ui', {
      ...files,
      'chain.orchest': JSON.stringify(pipeline),
      'gap.orchest': JSON.stringify(gap),
      'broken.orchest': '{\n  "name": "x",\n  oops\n}',
      [`.orchest/environments/${ENV}/properties.json`]: JSON.stringify({ name: 'Py', base_image: 'python:3.12' }),
    })).path;
    await t.project('other', {});
    otherToken = (await t.token('other')).token;
  });
  after(async () => {
    await t.close();
    t.cleanup();
  });

  it('GET …/pipelines/{p}/source answers invalid files too: the problems with their paths, or where the JSON breaks', async () => {
    const ok = (await (await t.api('GET', '/api/projects/ui/pipelines/chain.orchest/source')).json()) as Json;
    assert.deepEqual(ok.problems, []);
    assert.equal(ok.document.name, 'chain');
    const gap = await t.api('GET', '/api/projects/ui/pipelines/gap.orchest/source');
    assert.equal(gap.status, 200);
    const problems = ((await gap.json()) as Json).problems as Json[];
    assert.equal(problems.length, 2, JSON.stringify(problems));
    assert.ok(problems.some((p) => /^steps\.[0-9a-f-]+\.incoming_connections$/.test(p.path) && /cycle/.test(p.message)));
    assert.ok(problems.some((p) => p.path === 'steps.00000000-0000-4000-8000-000000000002.file_path' && /does not exist/.test(p.message)));
    const broken = (await (await t.api('GET', '/api/projects/ui/pipelines/broken.orchest/source')).json()) as Json;
    assert.equal(broken.document, null);
    assert.deepEqual([broken.json_error.line, broken.json_error.column], [3, 3]);
    assert.match(broken.text, /oops/);
    // The validate route flags the missing step file as well (the editor re-checks with it).
    const report = (await (await t.api('POST', '/api/projects/ui/pipelines/validate', { body: { pipeline: JSON.parse(readFileSync(join(dir, 'gap.orchest'), 'utf8')) as Json, path: 'gap.orchest' } })).json()) as Json;
    assert.ok(report.problems.some((p: Json) => /not-there\.sh does not exist/.test(p.message)), JSON.stringify(report));
  });

  it('the source route refuses escapes, non-pipeline files, other projects and huge files with coded errors', async () => {
    const escape = await t.api('GET', `/api/projects/ui/pipelines/${encodeURIComponent('../../etc/passwd')}/source`);
    assert.ok([400, 404].includes(escape.status), String(escape.status));
    assert.match(((await escape.json()) as Json).error.code, /^BERTH_E_/);
    const notPipeline = await t.api('GET', `/api/projects/ui/pipelines/${encodeURIComponent('steps/0.sh')}/source`);
    assert.equal(notPipeline.status, 400);
    const otherProject = await t.api('GET', '/api/projects/ui/pipelines/chain.orchest/source', { token: otherToken });
    assert.equal(otherProject.status, 403);
    assert.equal((await t.api('GET', '/api/projects/ui/pipelines/chain.orchest/source', { token: null })).status, 401);
    writeFileSync(join(dir, 'huge.orchest'), 'x'.repeat(5 * 1024 * 1024 + 1));
    const huge = await t.api('GET', '/api/projects/ui/pipelines/huge.orchest/source');
    assert.equal(huge.status, 400);
    assert.match(((await huge.json()) as Json).error.message, /at most 5242880 bytes/);
  });

  it("GET …/sessions lists the project's sessions (none: an empty list, not a 404)", async () => {
    const res = await t.api('GET', '/api/projects/ui/sessions');
    assert.equal(res.status, 200);
    assert.deepEqual(((await res.json()) as Json).sessions, []);
    assert.equal((await t.api('GET', '/api/projects/ui/sessions', { token: otherToken })).status, 403);
  });

  it('GET …/runs?pipeline= lists one pipeline’s runs', async () => {
    const run = (await (await t.api('POST', '/api/projects/ui/runs', { body: { pipeline: 'chain.orchest' } })).json()) as Json;
    await t.waitForRun(run.run.uuid);
    const mine = (await (await t.api('GET', '/api/projects/ui/runs?pipeline=11111111-2222-4333-8444-555555555555')).json()) as Json;
    assert.deepEqual(mine.runs.map((r: Json) => r.uuid), [run.run.uuid]);
    const none = (await (await t.api('GET', '/api/projects/ui/runs?pipeline=99999999-2222-4333-8444-555555555555')).json()) as Json;
    assert.deepEqual(none.runs, []);
  });

  it('GET …/environments lists each environment with the pipelines that use it; unknown environments are 404', async () => {
    const { environments } = (await (await t.api('GET', '/api/projects/ui/environments')).json()) as Json;
    assert.equal(environments.length, 1);
    assert.equal(environments[0].name, 'Py');
    assert.deepEqual(environments[0].pipelines.map((p: Json) => [p.path, p.steps]), [['chain.orchest', 1], ['gap.orchest', 1]]);
    const log = await t.api('GET', `/api/projects/ui/environments/${ENV}/build/logs`);
    if (environments[0].build === null) {
      assert.equal(log.status, 404);
      assert.match(((await log.json()) as Json).error.message, /has not been built yet/);
    } else {
      // An earlier run on the process runtime built it as a virtual environment: its newest build is listed, its log served.
      assert.match(environments[0].build.image, /^venv:/);
      assert.equal(environments[0].build.status, 'SUCCESS');
      assert.equal(log.status, 200);
    }
    const unknown = await t.api('POST', `/api/projects/ui/environments/${encodeURIComponent('../../x')}/build`);
    assert.equal(unknown.status, 404);
    assert.equal(((await unknown.json()) as Json).error.code, 'BERTH_E_ENV_NOT_FOUND');
    assert.equal((await t.api('GET', '/api/projects/ui/environments', { token: otherToken })).status, 403);
  });
});
