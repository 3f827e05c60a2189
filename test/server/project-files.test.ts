import assert from 'node:assert/strict';
import { existsSync, lstatSync, mkdirSync, readFileSync, renameSync, symlinkSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ADMIN, bashPipeline, TestServer } from '../helpers/berth-server.ts';

type Json = Record<string, any>;
const MAX = 16 * 1024 * 1024;

/**
 * The project file API behind the editor's file tree (list, read, create/upload, rename, delete) and
 * its attacker walk: no token, another project's token, "../" paths (encoded and literal), symlinks
 * out of the project, oversized uploads, pipeline files, wrong body types.
 */
describe('project files API', () => {
  const t = new TestServer();
  let dir = '';
  let outside = '';
  let otherToken = '';
  let ownToken = '';
  const put = (path: string, body: Buffer | string, opts: { token?: string | null; query?: string; type?: string } = {}) =>
    fetch(`${t.url}/api/projects/files/files/${path}${opts.query ?? ''}`, {
      method: 'PUT',
      headers: { ...(opts.token === null ? {} : { authorization: `Bearer ${opts.token ?? ADMIN}` }), 'content-type': opts.type ?? 'application/octet-stream' },
      body: typeof body === 'string' ? body : new Uint8Array(body),
    });
  /** A request whose path is sent exactly as written (fetch would normalise "/../"). */
  const raw = (method: string, path: string) =>
    new Promise<{ status: number; body: string }>((resolve, reject) => {
      const u = new URL(t.url);
      const req = httpRequest({ host: u.hostname, port: u.port, method, path, headers: { authorization: `Bearer ${ADMIN}` } }, (res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      });
      req.on('error', reject);
      req.end();
    });

  before(async () => {
    await t.start();
    dir = (await t.project('files', { 'steps/a.py': 'print(1)\n', 'data/in.csv': 'x,y\n1,2\n', '.git/HEAD': 'ref\n', 'main.orchest': '{}' })).path;
    await t.project('files-other', {});
    otherToken = (await t.token('files-other')).token;
    ownToken = (await t.token('files')).token;
    outside = join(t.root, 'outside');
    mkdirSync(outside, { recursive: true });
    writeFileSync(join(outside, 'secret.txt'), 'top secret\n');
    symlinkSync(join(outside, 'secret.txt'), join(dir, 'leak.txt'));
    symlinkSync(outside, join(dir, 'outdir'));
    symlinkSync('steps/a.py', join(dir, 'inner-link.py'));
  });
  after(async () => {
    await t.close();
    t.cleanup();
  });

  it('lists files and folders (links as links, not followed; .git skipped)', async () => {
    const res = await t.api('GET', '/api/projects/files/files');
    assert.equal(res.status, 200);
    const body = (await res.json()) as Json;
    const byPath = new Map((body.files as Json[]).map((f) => [f.path, f]));
    assert.equal(byPath.get('steps')?.type, 'folder');
    assert.equal(byPath.get('steps/a.py')?.type, 'file');
    assert.equal(byPath.get('steps/a.py')?.size, 9);
    assert.equal(byPath.get('leak.txt')?.type, 'link');
    assert.equal(byPath.get('outdir')?.type, 'link');
    assert.ok(!byPath.has('outdir/secret.txt'), 'a link to a folder is not followed');
    assert.ok(![...byPath.keys()].some((p) => p.startsWith('.git')));
    assert.equal(body.truncated, false);
  });

  it('creates, refuses to clobber without overwrite=1, replaces, reads back bytes, renames and deletes', async () => {
    const bytes = Buffer.from([0, 1, 2, 255, 10, 13]);
    const created = await put('new/deep/blob.bin?overwrite=0', bytes);
    assert.equal(created.status, 201, await created.clone().text());
    assert.deepEqual(readFileSync(join(dir, 'new/deep/blob.bin')), bytes);
    const again = await put('new/deep/blob.bin?overwrite=0', 'other');
    assert.equal(again.status, 409);
    assert.match(((await again.json()) as Json).error.problems[0].fix, /overwrite=1/);
    assert.equal((await put('new/deep/blob.bin?overwrite=1', 'replaced')).status, 200);
    const read = await t.api('GET', '/api/projects/files/files/new/deep/blob.bin');
    assert.equal(read.status, 200);
    assert.equal(await read.text(), 'replaced');
    // An empty body makes an empty file (a new file from the tree).
    const empty = await fetch(`${t.url}/api/projects/files/files/empty.py`, { method: 'PUT', headers: { authorization: `Bearer ${ADMIN}` } });
    assert.equal(empty.status, 201, await empty.clone().text());
    assert.equal(readFileSync(join(dir, 'empty.py'), 'utf8'), '');

    const moved = await t.api('PATCH', '/api/projects/files/files/new/deep/blob.bin', { body: { to: 'moved/blob.bin' } });
    assert.equal(moved.status, 200, await moved.clone().text());
    assert.ok(existsSync(join(dir, 'moved/blob.bin')) && !existsSync(join(dir, 'new/deep/blob.bin')));
    assert.equal((await t.api('PATCH', '/api/projects/files/files/moved/blob.bin', { body: { to: 'steps/a.py' } })).status, 409);
    assert.equal((await t.api('PATCH', '/api/projects/files/files/new', { body: { to: 'new/inside' } })).status, 400);

    const notEmpty = await t.api('DELETE', '/api/projects/files/files/moved');
    assert.equal(notEmpty.status, 409);
    assert.match(((await notEmpty.json()) as Json).error.problems[0].fix, /recursive=1/);
    assert.equal((await t.api('DELETE', '/api/projects/files/files/moved?recursive=1')).status, 200);
    assert.ok(!existsSync(join(dir, 'moved')));
    assert.equal((await t.api('DELETE', '/api/projects/files/files/moved')).status, 404);
    // The project's own token works too.
    assert.equal((await t.api('GET', '/api/projects/files/files', { token: ownToken })).status, 200);
  });

  it('no token is 401 and another project’s token 403 on every route, changing nothing', async () => {
    for (const token of [null, otherToken]) {
      const want = token === null ? 401 : 403;
      assert.equal((await t.api('GET', '/api/projects/files/files', { token })).status, want);
      assert.equal((await t.api('GET', '/api/projects/files/files/steps/a.py', { token })).status, want);
      assert.equal((await put('steps/a.py?overwrite=1', 'owned', { token })).status, want);
      assert.equal((await t.api('PATCH', '/api/projects/files/files/steps/a.py', { token, body: { to: 'b.py' } })).status, want);
      assert.equal((await t.api('DELETE', '/api/projects/files/files/steps/a.py', { token })).status, want);
    }
    assert.equal(readFileSync(join(dir, 'steps/a.py'), 'utf8'), 'print(1)\n');
  });

  it('refuses "../" (encoded and literal), absolute paths and symlinks out of the project, reading and writing nothing outside', async () => {
    for (const path of ['..%2F..%2Fetc%2Fpasswd', '%2E%2E%2Foutside%2Fsecret.txt', 'steps%2F..%2F..%2Foutside%2Fsecret.txt', '%2Fetc%2Fpasswd', 'steps%2F.%2Fa.py']) {
      const res = await t.api('GET', `/api/projects/files/files/${path}`);
      assert.equal(res.status, 400, `${path}: ${res.status}`);
      const body = (await res.json()) as Json;
      assert.equal(body.error.code, 'BERTH_E_INVALID_ARGUMENT');
      assert.equal(body.error.problems[0].path, 'path');
    }
    const literal = await raw('GET', '/api/projects/files/files/../../../../etc/passwd');
    assert.ok([400, 404].includes(literal.status), String(literal.status));
    assert.doesNotMatch(literal.body, /root:/);
    // Symlinks that leave the project: read, write through, write below a linked folder.
    const leak = await t.api('GET', '/api/projects/files/files/leak.txt');
    assert.equal(leak.status, 400);
    assert.doesNotMatch(await leak.text(), /top secret/);
    assert.equal((await put('leak.txt?overwrite=1', 'pwned')).status, 400);
    assert.equal((await put('outdir/planted.txt', 'pwned')).status, 400);
    assert.equal(readFileSync(join(outside, 'secret.txt'), 'utf8'), 'top secret\n');
    assert.ok(!existsSync(join(outside, 'planted.txt')));
    // Renames cannot move a file out, nor pull one in through a link.
    assert.equal((await t.api('PATCH', '/api/projects/files/files/steps/a.py', { body: { to: '../stolen.py' } })).status, 400);
    assert.equal((await t.api('PATCH', '/api/projects/files/files/steps/a.py', { body: { to: 'outdir/stolen.py' } })).status, 400);
    assert.equal((await t.api('PATCH', '/api/projects/files/files/outdir/secret.txt', { body: { to: 'mine.txt' } })).status, 400);
    assert.ok(existsSync(join(dir, 'steps/a.py')) && existsSync(join(outside, 'secret.txt')));
    // Deleting a link deletes the link, never what it points to.
    assert.equal((await t.api('DELETE', '/api/projects/files/files/leak.txt')).status, 200);
    assert.equal(lstatSync(join(dir, 'leak.txt'), { throwIfNoEntry: false }), undefined);
    assert.equal(readFileSync(join(outside, 'secret.txt'), 'utf8'), 'top secret\n');
    assert.equal((await t.api('DELETE', '/api/projects/files/files/outdir/secret.txt')).status, 400);
    assert.ok(existsSync(join(outside, 'secret.txt')));
    // A link inside the project reads its target.
    assert.equal(await (await t.api('GET', '/api/projects/files/files/inner-link.py')).text(), 'print(1)\n');
  });

  it('an upload over 16 MiB is 413 with a message saying the limit, and the file is left as it was', async () => {
    writeFileSync(join(dir, 'big.bin'), 'old');
    const res = await put('big.bin?overwrite=1', Buffer.alloc(MAX + 1, 7));
    assert.equal(res.status, 413);
    const body = (await res.json()) as Json;
    assert.equal(body.error.code, 'BERTH_E_BODY_TOO_LARGE');
    assert.match(body.error.message, /at most 16777216 bytes \(16 MiB\)/);
    assert.equal(readFileSync(join(dir, 'big.bin'), 'utf8'), 'old');
    // Exactly the limit is fine.
    assert.equal((await put('big.bin?overwrite=1', Buffer.alloc(MAX, 7))).status, 200);
    assert.equal(lstatSync(join(dir, 'big.bin')).size, MAX);
  });

  it('a project whose folder went away answers 409 saying so on the file, pipeline write and validate routes (was a 500)', async () => {
    const { pipeline, files } = bashPipeline('gone', [['A', 'echo a\n']]);
    const gone = (await t.project('gone', { ...files, 'gone.orchest': JSON.stringify(pipeline) })).path;
    renameSync(gone, `${gone}-moved`);
    try {
      for (const res of [
        await t.api('GET', '/api/projects/gone/files/steps/0.sh'),
        await fetch(`${t.url}/api/projects/gone/files/x.txt`, { method: 'PUT', headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/octet-stream' }, body: 'x' }),
        await t.api('PUT', '/api/projects/gone/pipelines/gone.orchest', { body: pipeline }),
        await t.api('POST', '/api/projects/gone/pipelines/validate', { body: { pipeline, path: 'gone.orchest' } }),
      ]) {
        assert.equal(res.status, 409, `${res.url}: ${res.status}`);
        const body = (await res.json()) as Json;
        assert.equal(body.error.code, 'BERTH_E_CONFLICT');
        assert.match(body.error.message, /no longer exists/);
      }
    } finally {
      renameSync(`${gone}-moved`, gone);
    }
  });

  it('refuses pipeline files (validated route instead), JSON bodies, folders as files, and leaves no temporary files', async () => {
    const pipeline = await put('main.orchest?overwrite=1', '{}');
    assert.equal(pipeline.status, 400);
    assert.match(((await pipeline.json()) as Json).error.problems[0].fix, /pipelines\/\{path\}/);
    const json = await put('x.json', '{"a":1}', { type: 'application/json' });
    assert.equal(json.status, 400);
    assert.match(((await json.json()) as Json).error.message, /application\/octet-stream/);
    assert.equal((await put('steps?overwrite=1', 'x')).status, 400);
    assert.equal((await t.api('GET', '/api/projects/files/files/steps')).status, 400);
    assert.equal((await t.api('GET', '/api/projects/files/files/nope.txt')).status, 404);
    const { files } = (await (await t.api('GET', '/api/projects/files/files')).json()) as { files: Json[] };
    assert.ok(!files.some((f) => /\.berth-[0-9a-f]+\.tmp$/.test(f.path)), JSON.stringify(files.map((f) => f.path)));
  });
});
