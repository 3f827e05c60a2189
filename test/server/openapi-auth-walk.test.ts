import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { REPO } from '../helpers/berth-cli.ts';
import { bashPipeline, TestServer } from '../helpers/berth-server.ts';

const ECHO = join(REPO, 'test', 'fixtures', 'services', 'echo-service.mjs');
const PORT = 18400 + (process.pid % 500);

/**
 * Walks every operation of the OpenAPI document: without a token each answers 401, with a token of
 * another project 403 (admin-only routes also 403 for any project token; routes of a run or job by
 * id 404, as if it did not exist). Health and docs are public.
 */
describe('every API route requires a token (walked from /api/openapi.json)', () => {
  const t = new TestServer();
  const values: Record<string, string> = {};
  let otherToken = '';
  before(async () => {
    await t.start();
    const { pipeline, files } = bashPipeline('walk', [['A', 'echo a\n']]);
    await t.project('alpha', { ...files, 'walk.orchest': JSON.stringify(pipeline) });
    await t.project('beta');
    otherToken = (await t.token('beta')).token;
    const run = (await (await t.api('POST', '/api/projects/alpha/runs', { body: { pipeline: 'walk.orchest' } })).json()) as { run: { uuid: string } };
    await t.waitForRun(run.run.uuid);
    const svc = await t.api('POST', '/api/projects/alpha/services', { body: { name: 'echo', command: process.execPath, args: `${ECHO} ${PORT}`, ports: [PORT] } });
    assert.equal(svc.status, 201, await svc.clone().text());
    const job = await t.api('POST', '/api/projects/alpha/jobs', { body: { name: 'walk-job', pipeline_path: 'walk.orchest', cron: '0 3 * * *', draft: true } });
    assert.equal(job.status, 201, await job.clone().text());
    const hook = await t.api('POST', '/api/webhooks', { body: { name: 'walk-hook', url: 'http://127.0.0.1:9/hook', subscriptions: [{ event_type: '*' }] } });
    assert.equal(hook.status, 201, await hook.clone().text());
    Object.assign(values, {
      project: 'alpha', pipeline: 'walk.orchest', run: run.run.uuid, step: 'A', name: 'echo', port: String(PORT), id: (await t.token('alpha')).info.id, '*': '',
      job: ((await job.json()) as { job: { uuid: string } }).job.uuid, webhook: 'walk-hook', delivery: '00000000', instance: 'walk-instance', environment: 'walk-env', key: 'walk-key', host: 'walk.example.com',
    });
  });
  after(async () => {
    await t.api('DELETE', '/api/projects/alpha/services/echo');
    await t.close();
    t.cleanup();
  });

  it('401 without a token and 403 with another project\'s token, on every secured operation', async () => {
    const doc = (await (await t.api('GET', '/api/openapi.json', { token: null })).json()) as { paths: Record<string, Record<string, { security?: unknown[]; 'x-berth-auth'?: string }>> };
    const operations = Object.entries(doc.paths).flatMap(([path, ops]) => Object.entries(ops).map(([method, op]) => ({ path, method: method.toUpperCase(), op })));
    assert.ok(operations.length >= 40, `only ${operations.length} operations documented`);
    let secured = 0;
    for (const { path, method, op } of operations) {
      const url = path.replace(/\{([^}]+)\}/g, (_, name: string) => {
        assert.ok(name in values, `no test value for {${name}} in ${path}`);
        return encodeURIComponent(values[name]!);
      });
      const body = ['POST', 'PUT', 'PATCH'].includes(method) ? {} : undefined;
      const none = await t.api(method, url, { token: null, body });
      if (path === '/api/health') {
        assert.equal(none.status, 200);
        continue;
      }
      // The web UI's sign-in routes are public by design (they take or clear the token); tested in web-session.test.ts.
      if (path === '/api/session' && op['x-berth-auth'] === 'public') continue;
      assert.ok(op.security, `${method} ${path} is not marked as secured`);
      secured++;
      assert.equal(none.status, 401, `${method} ${path} without a token`);
      if (method !== 'HEAD') assert.equal(((await none.json()) as { error: { code: string } }).error.code, 'BERTH_E_UNAUTHORIZED');
      const wrong = await t.api(method, url, { token: otherToken, body });
      // `token` routes act on the caller's own data (git identity and keys): any valid token, only its own (git-credentials.test.ts).
      if (op['x-berth-auth'] === 'token') {
        assert.ok(wrong.status < 500 && ![401, 403].includes(wrong.status), `${method} ${path} with beta's token (its own credentials): ${wrong.status}`);
        continue;
      }
      // Another project's run or job does not exist for this token: 404, as for no run at all (no existence oracle).
      const hidden = op['x-berth-auth'] === 'run' || op['x-berth-auth'] === 'job';
      assert.equal(wrong.status, hidden ? 404 : 403, `${method} ${path} with beta's token (${op['x-berth-auth']})`);
    }
    assert.ok(secured >= 39);
  });

  it('the docs page and the OpenAPI document need no token; unknown routes are 404 with a code', async () => {
    assert.equal((await t.api('GET', '/api/docs/', { token: null })).status, 200);
    const res = await t.api('GET', '/api/nope', { token: null });
    assert.equal(res.status, 404);
    assert.equal(((await res.json()) as { error: { code: string } }).error.code, 'BERTH_E_NOT_FOUND');
  });
});
