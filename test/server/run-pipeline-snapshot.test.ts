import assert from 'node:assert/strict';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { bashPipeline, TestServer } from '../helpers/berth-server.ts';

type Json = Record<string, any>;

/**
 * GET /api/runs/{run}/pipeline: the pipeline as the run started it (the snapshot in its run folder),
 * not the file as it is now — the run page draws this graph. Runs of other projects do not exist
 * for a project token; no token is 401.
 */
describe("a run's own pipeline (snapshot)", () => {
  const t = new TestServer();
  let dir = '';
  let otherToken = '';
  let ownToken = '';
  before(async () => {
    await t.start();
    const { pipeline, files } = bashPipeline('snap', [['Before one', 'echo 1\n'], ['Before two', 'echo 2\n']]);
    dir = (await t.project('snap', { ...files, 'snap.orchest': JSON.stringify(pipeline) })).path;
    await t.project('elsewhere', {});
    otherToken = (await t.token('elsewhere')).token;
    ownToken = (await t.token('snap')).token;
  });
  after(async () => {
    await t.close();
    t.cleanup();
  });

  it('answers the steps the run started with after the file was edited', async () => {
    const started = (await (await t.api('POST', '/api/projects/snap/runs', { body: { pipeline: 'snap.orchest' } })).json()) as Json;
    const uuid = started.run.uuid as string;
    await t.waitForRun(uuid);
    // The file changes after the run: one step renamed, one removed, one added.
    const { pipeline, files } = bashPipeline('snap edited', [['After one', 'echo 1\n'], ['After two', 'echo 2\n'], ['After three', 'echo 3\n']]);
    const steps = pipeline.steps as Json;
    delete steps['00000000-0000-4000-8000-000000000002'];
    steps['00000000-0000-4000-8000-000000000003'].incoming_connections = ['00000000-0000-4000-8000-000000000001'];
    for (const [rel, text] of Object.entries(files)) writeFileSync(join(dir, rel), text);
    writeFileSync(join(dir, 'snap.orchest'), JSON.stringify(pipeline));

    const res = await t.api('GET', `/api/runs/${uuid}/pipeline`);
    assert.equal(res.status, 200);
    const body = (await res.json()) as Json;
    assert.equal(body.path, 'snap.orchest');
    assert.equal(body.pipeline.name, 'snap');
    assert.deepEqual(Object.values(body.pipeline.steps as Json).map((s: Json) => s.title).sort(), ['Before one', 'Before two']);
    assert.deepEqual(body.pipeline.steps['00000000-0000-4000-8000-000000000002'].incoming_connections, ['00000000-0000-4000-8000-000000000001']);
    // By prefix and with the project's own token as well.
    const own = await t.api('GET', `/api/runs/${uuid.slice(0, 8)}/pipeline`, { token: ownToken });
    assert.equal(own.status, 200);
  });

  it('refuses no token (401), another project’s token (404, like a run that does not exist) and bad ids (400)', async () => {
    const started = (await (await t.api('POST', '/api/projects/snap/runs', { body: { pipeline: 'snap.orchest' } })).json()) as Json;
    const uuid = started.run.uuid as string;
    await t.waitForRun(uuid);
    const none = await t.api('GET', `/api/runs/${uuid}/pipeline`, { token: null });
    assert.equal(none.status, 401);
    assert.equal(((await none.json()) as Json).error.code, 'BERTH_E_UNAUTHORIZED');
    const other = await t.api('GET', `/api/runs/${uuid}/pipeline`, { token: otherToken });
    assert.equal(other.status, 404);
    const otherBody = (await other.json()) as Json;
    assert.equal(otherBody.error.code, 'BERTH_E_RUN_NOT_FOUND');
    assert.doesNotMatch(JSON.stringify(otherBody), /Before one/);
    const bad = await t.api('GET', `/api/runs/${encodeURIComponent('../../etc')}/pipeline`);
    assert.equal(bad.status, 400);
    assert.match(((await bad.json()) as Json).error.code, /^BERTH_E_/);
  });

  it('a run whose folder was removed answers 404 saying so, not 500', async () => {
    const started = (await (await t.api('POST', '/api/projects/snap/runs', { body: { pipeline: 'snap.orchest' } })).json()) as Json;
    const uuid = started.run.uuid as string;
    await t.waitForRun(uuid);
    rmSync(join(t.home, 'runs', uuid, 'pipeline.json'));
    const res = await t.api('GET', `/api/runs/${uuid}/pipeline`);
    assert.equal(res.status, 404);
    const body = (await res.json()) as Json;
    assert.equal(body.error.code, 'BERTH_E_NOT_FOUND');
    assert.match(body.error.message, /no pipeline snapshot/);
  });
});
