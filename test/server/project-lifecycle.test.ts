import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { bashPipeline, TestServer } from '../helpers/berth-server.ts';

type Json = Record<string, any>;

/** Project rename/re-point/delete and pipeline delete over the API, with their events. */
describe('project update/delete and pipeline delete (API)', () => {
  const t = new TestServer();
  let projectDir = '';
  before(async () => {
    await t.start();
    const { pipeline, files } = bashPipeline('slow', [['Wait', 'sleep 60\n']]);
    projectDir = (await t.project('life', { ...files, 'slow.orchest': JSON.stringify(pipeline) })).path;
    await t.project('other');
  });
  after(async () => {
    await t.close();
    t.cleanup();
  });

  async function events(type: string): Promise<Json[]> {
    const res = await t.api('GET', `/api/events?type=${encodeURIComponent(type)}&limit=100`);
    assert.equal(res.status, 200, await res.clone().text());
    return ((await res.json()) as Json).events;
  }

  it('writing a pipeline records created then updated; deleting it removes the file and records deleted (named as it was)', async () => {
    const { pipeline } = bashPipeline('extra', [['A', 'echo a\n']]);
    const doc = { ...pipeline, uuid: '99999999-2222-4333-8444-555555555555' };
    assert.equal((await t.api('PUT', '/api/projects/life/pipelines/sub%2Fextra.orchest', { body: doc })).status, 201);
    assert.equal((await t.api('PUT', '/api/projects/life/pipelines/sub%2Fextra.orchest', { body: { ...doc, name: 'extra v2' } })).status, 200);
    const del = await t.api('DELETE', '/api/projects/life/pipelines/sub%2Fextra.orchest');
    assert.equal(del.status, 200, await del.clone().text());
    assert.deepEqual(await del.json(), { path: 'sub/extra.orchest', uuid: doc.uuid });
    assert.equal(existsSync(join(projectDir, 'sub', 'extra.orchest')), false);
    const mine = (await events('project:pipeline:')).filter((e) => e.project.pipeline.uuid === doc.uuid).reverse();
    assert.deepEqual(mine.map((e) => [e.type, e.project.name, e.project.pipeline.name, e.project.pipeline.path]), [
      ['project:pipeline:created', 'life', 'extra', 'sub/extra.orchest'],
      ['project:pipeline:updated', 'life', 'extra v2', 'sub/extra.orchest'],
      ['project:pipeline:deleted', 'life', 'extra v2', 'sub/extra.orchest'],
    ]);
    const again = await t.api('DELETE', '/api/projects/life/pipelines/sub%2Fextra.orchest');
    assert.equal(again.status, 404);
    assert.equal(((await again.json()) as Json).error.code, 'BERTH_E_PIPELINE_NOT_FOUND');
    assert.equal((await t.api('DELETE', '/api/projects/life/pipelines/..%2F..%2Fetc%2Fpasswd')).status, 400);
  });

  it('PATCH renames (project:updated names the new name) and re-points; taken names, bad paths and empty patches are refused', async () => {
    const renamed = await t.api('PATCH', '/api/projects/life', { body: { name: 'life2' } });
    assert.equal(renamed.status, 200, await renamed.clone().text());
    assert.equal(((await renamed.json()) as Json).name, 'life2');
    assert.equal((await t.api('GET', '/api/projects/life')).status, 404);
    const [updated] = await events('project:updated');
    assert.equal(updated!.project.name, 'life2');

    const taken = await t.api('PATCH', '/api/projects/life2', { body: { name: 'other' } });
    assert.equal(taken.status, 409);
    assert.equal(((await taken.json()) as Json).error.problems[0].path, 'name');
    const badPath = await t.api('PATCH', '/api/projects/life2', { body: { path: join(t.root, 'missing') } });
    assert.equal(badPath.status, 400);
    assert.equal(((await badPath.json()) as Json).error.problems[0].path, 'path');
    const otherPath = await t.api('PATCH', '/api/projects/life2', { body: { path: join(t.root, 'other') } });
    assert.equal(otherPath.status, 409);
    assert.equal((await t.api('PATCH', '/api/projects/life2', { body: {} })).status, 400);

    const moved = join(t.root, 'moved');
    mkdirSync(moved);
    const repointed = await t.api('PATCH', '/api/projects/life2', { body: { path: moved } });
    assert.equal(((await repointed.json()) as Json).path, moved);
    assert.equal((await t.api('PATCH', '/api/projects/life2', { body: { path: projectDir, name: 'life' } })).status, 200);
  });

  it('DELETE is 409 while a run is active, naming it; ?force=1 cancels it and unregisters the project, keeping its folder', async () => {
    const started = await t.api('POST', '/api/projects/life/runs', { body: { pipeline: 'slow.orchest' } });
    const run = ((await started.json()) as Json).run.uuid as string;
    const refused = await t.api('DELETE', '/api/projects/life');
    assert.equal(refused.status, 409);
    const err = ((await refused.json()) as Json).error;
    assert.equal(err.code, 'BERTH_E_CONFLICT');
    assert.match(err.message, new RegExp(`run ${run}`));
    assert.equal((await t.api('GET', '/api/projects/life')).status, 200);

    const forced = await t.api('DELETE', '/api/projects/life?force=1');
    assert.equal(forced.status, 200, await forced.clone().text());
    assert.equal((await t.api('GET', '/api/projects/life')).status, 404);
    assert.ok(existsSync(join(projectDir, 'slow.orchest')), 'the project folder is kept');
    assert.match(readFileSync(join(projectDir, 'slow.orchest'), 'utf8'), /slow/);
    const cancelled = await events('project:pipeline:interactive-session:pipeline-run:cancelled');
    assert.ok(cancelled.some((e) => e.project.pipeline.session.pipeline_run.uuid === run));
    const [deleted] = await events('project:deleted');
    assert.equal(deleted!.project.name, 'life');
    assert.ok(deleted!.id > cancelled.find((e) => e.project.pipeline.session.pipeline_run.uuid === run)!.id);
    // Its folder can be registered again.
    assert.equal((await t.api('POST', '/api/projects', { body: { name: 'life', path: projectDir } })).status, 201);
  });
});
