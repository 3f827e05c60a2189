import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { after, before, describe, it } from 'node:test';
import { Sandbox } from '../helpers/berth-cli.ts';
import { AttackServer } from './attack-server.ts';

type Json = Record<string, any>;
const PIPELINE = { name: 'ok', uuid: '41111111-2222-4333-8444-555555555555', version: '1.2.3', parameters: {}, settings: {}, steps: {} };
const deep = (n: number) => `${'{"a":'.repeat(n)}1${'}'.repeat(n)}`;

describe('security: malformed input gets a coded 4xx, never a 500', () => {
  const s = new AttackServer();
  before(async () => {
    await s.start();
    s.file('a', 'ok.orchest', JSON.stringify(PIPELINE));
  });
  after(async () => {
    await s.stop();
    s.cleanup();
  });

  it('"%25" in {project} is decoded once: /api/projects/%2561 names the project "%61", not "a"', async () => {
    assert.equal((await s.api('GET', '/api/projects/%2561/pipelines', { token: s.tokenA })).status, 404);
    assert.equal((await s.api('GET', '/api/projects/%2561/pipelines')).status, 404);
    assert.equal((await s.api('GET', '/api/projects/%61/pipelines', { token: s.tokenA })).status, 200, 'a single encoding still works');
  });

  it('a deeply nested JSON body: 400 naming the path where it goes too deep; a body that is not JSON: 400', async () => {
    for (const depth of [65, 5000, 100_000]) {
      const res = await s.api('PUT', '/api/projects/a/pipelines/deep.orchest', { token: s.tokenA, raw: deep(depth) });
      assert.equal(res.status, depth > 200_000 ? 413 : 400, `depth ${depth}`);
      const body = (await res.json()) as Json;
      assert.equal(body.error.code, 'BERTH_E_INVALID_ARGUMENT');
      assert.equal(body.error.problems[0].path, `body${'.a'.repeat(64)}`);
    }
    const arrays = await s.api('POST', '/api/projects/a/pipelines/validate', { token: s.tokenA, raw: `${'['.repeat(300)}${']'.repeat(300)}` });
    assert.equal(arrays.status, 400);
    assert.match(((await arrays.json()) as Json).error.problems[0].path, /^body(\[0\]){64}$/);
    const notJson = await s.api('PUT', '/api/projects/a/pipelines/x.orchest', { token: s.tokenA, raw: '{"name": ' });
    assert.equal(notJson.status, 400);
    assert.equal(((await notJson.json()) as Json).error.problems[0].path, 'body');
    const proto = await s.api('PUT', '/api/projects/a/pipelines/x.orchest', { token: s.tokenA, raw: '{"__proto__": {"x": 1}}' });
    assert.equal(proto.status, 400);
    const big = await s.api('PUT', '/api/projects/a/pipelines/x.orchest', { token: s.tokenA, raw: `{"x": "${'a'.repeat(1024 * 1024 + 10)}"}` });
    assert.equal(big.status, 413);
    assert.equal(((await big.json()) as Json).error.code, 'BERTH_E_BODY_TOO_LARGE');
  });

  it('a malformed percent-encoding in a cookie or a path: 4xx, not 500', async () => {
    const cookie = await s.api('GET', '/api/projects', { token: null, headers: { cookie: 'berth_token=%E0%A4%A', origin: s.url, 'sec-fetch-site': 'same-origin' } });
    assert.equal(cookie.status, 401);
    const svc = await s.api('GET', '/api/projects/a/services/x/8080/', { token: null, headers: { cookie: 'berth_service_session=%' } });
    assert.equal(svc.status, 401);
    assert.equal((await s.api('GET', '/api/projects/%E0%A4%A/pipelines', { token: s.tokenA })).status, 400);
  });

  it('a NUL (or another control character) in a static path: 404, not 500', async () => {
    for (const path of ['/%00', '/assets/%00.js', '/x%00y', '/%0a']) {
      const res = await s.api('GET', path, { token: null });
      assert.equal(res.status, 404, path);
      assert.equal(((await res.json()) as Json).error.code, 'BERTH_E_NOT_FOUND');
    }
  });

  it('a project at the filesystem root: refused when registered, and listing one registered earlier is a clear 400', async () => {
    const res = await s.api('POST', '/api/projects', { body: { name: 'root', path: '/' } });
    assert.equal(res.status, 400);
    assert.equal(((await res.json()) as Json).error.problems[0].path, 'path');
    const db = new DatabaseSync(join(s.home, 'berth.db'), { timeout: 5_000 });
    try {
      db.prepare("INSERT INTO projects (uuid, name, path, created_at) VALUES ('99999999-2222-4333-8444-555555555555', 'rootproj', '/', '2026-01-01T00:00:00Z')").run();
    } finally {
      db.close();
    }
    const list = await s.api('GET', '/api/projects/rootproj/pipelines');
    assert.equal(list.status, 400);
    assert.equal(((await list.json()) as Json).error.problems[0].path, 'project.path');
  });

  it('a project whose folder was removed: 409 saying so, not a 500', async () => {
    const gone = join(s.root, 'gone');
    mkdirSync(gone);
    assert.equal((await s.api('POST', '/api/projects', { body: { name: 'gone', path: gone } })).status, 201);
    rmSync(gone, { recursive: true });
    const res = await s.api('GET', '/api/projects/gone/pipelines');
    assert.equal(res.status, 409);
    assert.match(((await res.json()) as Json).error.message, /no longer exists/);
  });

  it('listing 30k folders does not stall the server (it keeps answering while it walks)', async () => {
    // On tmpfs when there is one: 30k folders on a busy disk take a minute to make and remove.
    const big = mkdtempSync(join(existsSync('/dev/shm') ? '/dev/shm' : tmpdir(), 'berth-big-'));
    const base = join(big, 'data');
    mkdirSync(base);
    for (let i = 0; i < 300; i++) {
      mkdirSync(join(base, String(i)));
      for (let j = 0; j < 100; j++) mkdirSync(join(base, String(i), String(j)));
    }
    writeFileSync(join(base, '299', '99', 'found.orchest'), JSON.stringify({ ...PIPELINE, uuid: '51111111-2222-4333-8444-555555555555' }));
    assert.equal((await s.api('POST', '/api/projects', { body: { name: 'big', path: big } })).status, 201);
    const token = (await (await s.api('POST', '/api/tokens', { body: { name: 'big', project: 'big' } })).json()) as { token: string };
    let listing = true;
    const delays: number[] = [];
    const probe = (async () => {
      while (listing) {
        const t0 = performance.now();
        await (await fetch(`${s.url}/api/health`)).arrayBuffer();
        delays.push(performance.now() - t0);
        await new Promise((r) => setTimeout(r, 5));
      }
    })();
    const t0 = performance.now();
    const res = await s.api('GET', '/api/projects/big/pipelines', { token: token.token });
    const took = performance.now() - t0;
    listing = false;
    await probe;
    assert.equal(res.status, 200);
    assert.deepEqual(((await res.json()) as Json).pipelines.map((p: Json) => p.path), ['data/299/99/found.orchest']);
    const worst = Math.max(...delays);
    console.log(`listing 30300 folders took ${took.toFixed(0)} ms; /api/health answered ${delays.length} times meanwhile, slowest ${worst.toFixed(0)} ms`);
    assert.ok(delays.length >= 3, `health answered ${delays.length} times during ${took.toFixed(0)} ms`);
    assert.ok(worst < Math.max(100, took / 3), `the slowest health answer (${worst.toFixed(0)} ms) while listing took ${took.toFixed(0)} ms`);
    rmSync(big, { recursive: true });
  });
});

describe('security: validate and import report a deeply nested file and go on', () => {
  const box = new Sandbox();
  after(() => box.cleanup());

  it('berth validate on a deeply nested file: exit 2 naming the path; import orchest reports it and checks the rest', async () => {
    box.file('deep.orchest', deep(100_000));
    box.file('good.orchest', JSON.stringify(PIPELINE));
    const v = await box.run(['validate', 'deep.orchest']);
    assert.equal(v.code, 2, v.stderr);
    assert.match(v.stderr, /nests deeper than 64 levels/);
    assert.doesNotMatch(v.stderr, /internal error|Maximum call stack/);
    const imp = await box.run(['import', 'orchest', box.project, '--json']);
    assert.doesNotMatch(imp.stderr, /internal error|Maximum call stack/);
    const report = JSON.parse(imp.stdout) as Json;
    assert.deepEqual(report.pipelines.map((p: Json) => [p.path, p.valid]), [['deep.orchest', false], ['good.orchest', true]]);
    assert.ok(report.findings.some((f: Json) => f.subject === 'deep.orchest' && f.level === 'error' && /nests deeper/.test(f.message)));
  });
});
