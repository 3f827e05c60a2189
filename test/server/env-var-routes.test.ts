import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { bashPipeline, TestServer } from '../helpers/berth-server.ts';

describe('environment variables over the API', () => {
  const t = new TestServer();
  let alphaToken = '';
  before(async () => {
    await t.start();
    const { pipeline, files } = bashPipeline('vars', [['Show', 'echo "$DB_USER:$DB_PASSWORD:$ONLY_HERE"\n']]);
    await t.project('alpha', { ...files, 'vars.orchest': JSON.stringify(pipeline) });
    alphaToken = (await t.token('alpha')).token;
  });
  after(async () => {
    await t.close();
    t.cleanup();
  });

  it('sets project and pipeline variables with a project token, never returns values, injects them into steps (pipeline wins)', async () => {
    const put = (path: string, value: string) => t.api('PUT', path, { token: alphaToken, body: { value } });
    assert.equal((await put('/api/projects/alpha/env-vars/DB_USER', 'admin')).status, 200);
    assert.equal((await put('/api/projects/alpha/env-vars/DB_PASSWORD', 'project-pw')).status, 200);
    const res = await put('/api/projects/alpha/pipelines/vars.orchest/env-vars/DB_PASSWORD', 'pipeline-pw');
    assert.equal(res.status, 200);
    assert.equal(((await res.json()) as { value: string }).value, '********');
    await put('/api/projects/alpha/pipelines/vars.orchest/env-vars/ONLY_HERE', 'x');
    const listed = await (await t.api('GET', '/api/projects/alpha/env-vars', { token: alphaToken })).text();
    assert.doesNotMatch(listed, /admin|project-pw/);
    assert.deepEqual(JSON.parse(listed).variables.map((v: any) => [v.name, v.scope, v.value]), [['DB_PASSWORD', 'project', '********'], ['DB_USER', 'project', '********']]);
    const bad = await put('/api/projects/alpha/env-vars/1%20bad', 'v');
    assert.equal(bad.status, 400);
    assert.match(((await bad.json()) as any).error.message, /not a valid variable name/);

    const run = (await (await t.api('POST', '/api/projects/alpha/runs', { body: { pipeline: 'vars.orchest' } })).json()) as { run: { uuid: string } };
    const report = (await t.waitForRun(run.run.uuid)) as any;
    assert.equal(report.run.status, 'SUCCESS');
    const log = await (await t.api('GET', `/api/runs/${run.run.uuid}/steps/Show/logs`)).text();
    assert.equal(log, 'admin:pipeline-pw:x\n');

    assert.equal((await t.api('DELETE', '/api/projects/alpha/pipelines/vars.orchest/env-vars/ONLY_HERE', { token: alphaToken })).status, 204);
    const gone = await t.api('DELETE', '/api/projects/alpha/pipelines/vars.orchest/env-vars/ONLY_HERE', { token: alphaToken });
    assert.equal(gone.status, 404);
    assert.equal(((await gone.json()) as any).error.code, 'BERTH_E_ENV_VAR_NOT_FOUND');
  });
});
