import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { bashPipeline, TestServer } from '../helpers/berth-server.ts';

type Json = Record<string, any>;
const S0 = '00000000-0000-4000-8000-000000000001';
const S1 = '00000000-0000-4000-8000-000000000002';
const OTHER = '99999999-2222-4333-8444-555555555555';

/** Renaming or deleting a file from the editor's file tree keeps the pipelines' steps right (issue 18). */
describe('project files and the steps that use them', () => {
  const t = new TestServer();
  let dir = '';
  let otherToken = '';
  const steps = (file: string) => (JSON.parse(readFileSync(join(dir, file), 'utf8')) as Json).steps as Record<string, Json>;
  const tempFiles = () => readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => f.includes('.berth-'));

  before(async () => {
    await t.start();
    const { pipeline, files } = bashPipeline('main', [['Load', 'echo load\n'], ['Train', 'echo train\n']]);
    const sub = { ...pipeline, name: 'other', uuid: OTHER, steps: { [S0]: { ...(pipeline.steps as Json)[S0], title: 'Reuse', file_path: '../steps/0.sh', incoming_connections: [] } } };
    dir = (await t.project('renames', { ...files, 'main.orchest': JSON.stringify(pipeline), 'sub/other.orchest': JSON.stringify(sub), 'broken.orchest': '{', 'notes.txt': 'n\n' })).path;
    await t.project('renames-other', {});
    otherToken = (await t.token('renames-other')).token;
  });
  after(async () => {
    await t.close();
    t.cleanup();
  });

  it('a rename rewrites file_path of every step that uses the file, relative to each pipeline, and records the pipelines\' events', async () => {
    const res = await t.api('PATCH', '/api/projects/renames/files/steps/0.sh', { body: { to: 'scripts/load.sh' } });
    assert.equal(res.status, 200, await res.clone().text());
    const body = (await res.json()) as Json;
    assert.equal(body.path, 'scripts/load.sh');
    assert.deepEqual(body.updated_steps.map((s: Json) => [s.pipeline, s.title, s.file_path, s.new_file_path]).sort(), [
      ['main.orchest', 'Load', 'steps/0.sh', 'scripts/load.sh'],
      ['sub/other.orchest', 'Reuse', '../steps/0.sh', '../scripts/load.sh'],
    ]);
    assert.equal(steps('main.orchest')[S0]!.file_path, 'scripts/load.sh');
    assert.equal(steps('main.orchest')[S1]!.file_path, 'steps/1.sh', 'other steps are untouched');
    assert.equal(steps('sub/other.orchest')[S0]!.file_path, '../scripts/load.sh');
    assert.equal(readFileSync(join(dir, 'broken.orchest'), 'utf8'), '{', 'a pipeline that is not JSON is left as it is');
    // (A pipeline Berth had not seen yet is registered by the write: `created`; else `updated`.)
    const events = (await (await t.api('GET', '/api/projects/renames/events?type=project:pipeline:')).json()) as { events: Json[] };
    assert.deepEqual(events.events.filter((e) => /:(created|updated)$/.test(e.type)).map((e) => e.project.pipeline.name).sort(), ['main', 'other']);
    assert.deepEqual(tempFiles(), []);
  });

  it('renaming a folder rewrites the steps whose files are inside it', async () => {
    const res = await t.api('PATCH', '/api/projects/renames/files/steps', { body: { to: 'code' } });
    assert.equal(res.status, 200, await res.clone().text());
    assert.deepEqual(((await res.json()) as Json).updated_steps.map((s: Json) => s.new_file_path), ['code/1.sh']);
    assert.equal(steps('main.orchest')[S1]!.file_path, 'code/1.sh');
    assert.ok(existsSync(join(dir, 'code/1.sh')));
  });

  it('refuses a rename that would leave a step with a file it cannot run (400 naming the step), changing nothing', async () => {
    const before = { main: readFileSync(join(dir, 'main.orchest'), 'utf8') };
    const res = await t.api('PATCH', '/api/projects/renames/files/code/1.sh', { body: { to: 'code/1.txt' } });
    assert.equal(res.status, 400);
    const err = ((await res.json()) as Json).error;
    assert.equal(err.code, 'BERTH_E_INVALID_ARGUMENT');
    assert.match(err.problems[0].message, /Train/);
    assert.equal(err.problems[0].path, 'to');
    assert.ok(existsSync(join(dir, 'code/1.sh')) && !existsSync(join(dir, 'code/1.txt')), 'the file was not moved');
    assert.equal(readFileSync(join(dir, 'main.orchest'), 'utf8'), before.main, 'the pipeline was not written');
    assert.deepEqual(tempFiles(), []);
  });

  it('a delete of a file steps use is refused (409 naming them) unless force=1; file-steps lists them; unused files delete as before', async () => {
    const used = await t.api('GET', '/api/projects/renames/file-steps/scripts/load.sh');
    assert.equal(used.status, 200);
    assert.deepEqual(((await used.json()) as Json).steps.map((s: Json) => `${s.pipeline}:${s.title}`).sort(), ['main.orchest:Load', 'sub/other.orchest:Reuse']);
    const refused = await t.api('DELETE', '/api/projects/renames/files/scripts/load.sh');
    assert.equal(refused.status, 409);
    const err = ((await refused.json()) as Json).error;
    assert.equal(err.code, 'BERTH_E_CONFLICT');
    assert.deepEqual(err.steps.map((s: Json) => s.title).sort(), ['Load', 'Reuse']);
    assert.match(err.problems[0].fix, /force=1/);
    assert.ok(existsSync(join(dir, 'scripts/load.sh')));
    assert.equal((await t.api('DELETE', '/api/projects/renames/files/code?recursive=1')).status, 409, 'a folder holding a used file too');
    assert.equal((await t.api('DELETE', '/api/projects/renames/files/scripts/load.sh?force=1')).status, 200);
    assert.ok(!existsSync(join(dir, 'scripts/load.sh')));
    assert.equal((await t.api('DELETE', '/api/projects/renames/files/notes.txt')).status, 200);
    assert.equal(((await (await t.api('GET', '/api/projects/renames/file-steps/notes.txt')).json()) as Json).steps.length, 0);
  });

  it("another project's token cannot ask which steps use a file (403)", async () => {
    assert.equal((await t.api('GET', '/api/projects/renames/file-steps/code/1.sh', { token: otherToken })).status, 403);
    assert.equal((await t.api('GET', '/api/projects/renames/file-steps/..%2F..%2Fetc%2Fpasswd')).status, 400, 'a path outside the project is refused');
  });
});
