import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { AttackServer } from './attack-server.ts';

type Json = Record<string, any>;
const PIPELINE = { name: 'evil', uuid: '31111111-2222-4333-8444-555555555555', version: '1.2.3', parameters: {}, settings: {}, steps: {} };

describe('security: writes never go through a symlink out of the project', () => {
  const s = new AttackServer();
  let outside = '';
  before(async () => {
    await s.start();
    outside = join(s.root, 'outside');
    mkdirSync(outside, { recursive: true });
  });
  after(async () => {
    await s.stop();
    s.cleanup();
  });

  const put = (path: string) => s.api('PUT', `/api/projects/a/pipelines/${encodeURIComponent(path)}`, { token: s.tokenA, body: PIPELINE });

  it('PUT through a dangling symlink to a missing file outside the project: 400, nothing created', async () => {
    symlinkSync(join(outside, 'created.orchest'), join(s.projectDir('a'), 'evil.orchest'));
    const res = await put('evil.orchest');
    assert.equal(res.status, 400, await res.clone().text());
    const body = (await res.json()) as Json;
    assert.equal(body.error.code, 'BERTH_E_INVALID_ARGUMENT');
    assert.equal(body.error.problems[0].path, 'path');
    assert.equal(existsSync(join(outside, 'created.orchest')), false);
  });

  it('PUT below a dangling folder link, or through a chain of links, or a loop: 400, nothing created', async () => {
    symlinkSync(join(outside, 'newdir'), join(s.projectDir('a'), 'sub'));
    assert.equal((await put('sub/x.orchest')).status, 400);
    assert.equal(existsSync(join(outside, 'newdir')), false);
    symlinkSync('chain2.orchest', join(s.projectDir('a'), 'chain1.orchest'));
    symlinkSync(join(outside, 'chained.orchest'), join(s.projectDir('a'), 'chain2.orchest'));
    assert.equal((await put('chain1.orchest')).status, 400);
    assert.equal(existsSync(join(outside, 'chained.orchest')), false);
    symlinkSync('loop.orchest', join(s.projectDir('a'), 'loop.orchest'));
    const loop = await put('loop.orchest');
    assert.equal(loop.status, 400);
    assert.equal(((await loop.json()) as Json).error.problems[0].message, 'is a loop of symlinks');
  });

  it('DELETE of a link to a file outside the project: 400 and the file stays', async () => {
    writeFileSync(join(outside, 'victim.orchest'), JSON.stringify(PIPELINE));
    symlinkSync(join(outside, 'victim.orchest'), join(s.projectDir('a'), 'victim.orchest'));
    assert.equal((await s.api('DELETE', '/api/projects/a/pipelines/victim.orchest', { token: s.tokenA })).status, 400);
    assert.equal(existsSync(join(outside, 'victim.orchest')), true);
  });

  it('a dangling link that stays inside the project is written at its target', async () => {
    symlinkSync('real/target.orchest', join(s.projectDir('a'), 'inner.orchest'));
    const res = await put('inner.orchest');
    assert.equal(res.status, 201, await res.clone().text());
    assert.equal(JSON.parse(readFileSync(join(s.projectDir('a'), 'real', 'target.orchest'), 'utf8')).uuid, PIPELINE.uuid);
    assert.equal(await s.alive(), true);
  });
});
