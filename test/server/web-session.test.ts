import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { API_TYPES_FILE, apiTypesSource } from '../../scripts/generate-api-types.ts';
import { ADMIN, bashPipeline, TestServer } from '../helpers/berth-server.ts';

describe('web UI support routes: session cookie, run events, the page itself', () => {
  const t = new TestServer();
  before(async () => {
    await t.start();
    const { pipeline, files } = bashPipeline('events', [['A', 'echo a\n'], ['B', 'echo b\n']]);
    await t.project('web', { ...files, 'events.orchest': JSON.stringify(pipeline) });
  });
  after(async () => {
    await t.close();
    t.cleanup();
  });

  it('signs in with a token into an HttpOnly SameSite cookie that the API accepts, and signs out', async () => {
    const bad = await t.api('POST', '/api/session', { token: null, body: { token: 'not-a-token' } });
    assert.equal(bad.status, 401);
    assert.equal(bad.headers.get('set-cookie'), null);
    const res = await t.api('POST', '/api/session', { token: null, body: { token: ADMIN } });
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), { scope: 'admin', project_uuid: null });
    const cookie = res.headers.get('set-cookie') ?? '';
    assert.match(cookie, /^berth_token=[^;]+; Path=\/; HttpOnly; SameSite=Strict/);
    const jar = cookie.split(';')[0]!;
    assert.equal((await t.api('GET', '/api/projects', { token: null, headers: { cookie: jar } })).status, 200);
    assert.equal((await t.api('GET', '/api/session', { token: null, headers: { cookie: jar } })).status, 200);
    assert.equal((await t.api('GET', '/api/session', { token: null })).status, 401);
    const out = await t.api('DELETE', '/api/session', { token: null, headers: { cookie: jar } });
    assert.equal(out.status, 204);
    assert.match(out.headers.get('set-cookie') ?? '', /^berth_token=; .*Max-Age=0/);
  });

  it("streams a run's progress: snapshot, step events, end with the final report", async () => {
    const created = (await (await t.api('POST', '/api/projects/web/runs', { body: { pipeline: 'events.orchest' } })).json()) as { run: { uuid: string } };
    const res = await t.api('GET', `/api/runs/${created.run.uuid}/events`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^text\/event-stream/);
    const events = (await res.text()).split('\n\n').filter(Boolean).map((block) => JSON.parse(block.replace(/^data: /, '')) as { type: string; report?: { run: { status: string }; steps: Array<{ status: string }> } });
    assert.equal(events[0]!.type, 'snapshot');
    const last = events.at(-1)!;
    assert.equal(last.type, 'end');
    assert.equal(last.report!.run.status, 'SUCCESS');
    assert.deepEqual(last.report!.steps.map((s) => s.status), ['SUCCESS', 'SUCCESS']);
    // The events in between are the engine's, for runs still going when the stream opened.
    for (const e of events.slice(1, -1)) assert.ok(['run-queued', 'run-started', 'step-started', 'step-finished', 'step-progress', 'run-finished'].includes(e.type), e.type);
    // A finished run answers snapshot + end at once.
    const again = (await (await t.api('GET', `/api/runs/${created.run.uuid}/events`)).text()).split('\n\n').filter(Boolean);
    assert.equal(again.length, 2);
  });

  it('serves the UI at / and client routes, while unknown API routes stay coded 404s', async () => {
    for (const path of ['/', '/projects/web']) {
      const res = await t.api('GET', path, { token: null });
      assert.equal(res.status, 200, path);
      assert.match(await res.text(), /<div id="root">/);
    }
    const api = await t.api('GET', '/api/nope', { token: null });
    assert.equal(api.status, 404);
    assert.equal(((await api.json()) as { error: { code: string } }).error.code, 'BERTH_E_NOT_FOUND');
  });

  it("the web UI's API types are generated from the current OpenAPI document (npm run gen:api)", async () => {
    assert.equal(readFileSync(API_TYPES_FILE, 'utf8'), await apiTypesSource(), 'web/src/api/schema.d.ts is out of date: run npm run gen:api');
  });
});
