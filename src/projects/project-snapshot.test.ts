import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, describe, it } from 'node:test';
import { snapshotProject } from './project-snapshot.ts';

describe('project snapshot', () => {
  const root = mkdtempSync(join(tmpdir(), 'berth-snap-'));
  after(() => rmSync(root, { recursive: true, force: true }));
  const put = (rel: string, text = rel) => {
    mkdirSync(dirname(join(root, 'p', rel)), { recursive: true });
    writeFileSync(join(root, 'p', rel), text);
  };

  it('copies the project minus .git and .gitignore matches (root and nested); never leaves the project', () => {
    put('a.py');
    put('.gitignore', '*.log\n/build/\n!keep.log\n');
    put('x.log');
    put('keep.log');
    put('build/out.bin');
    put('src/build/kept.txt');
    put('src/.gitignore', 'local.txt\n');
    put('src/local.txt');
    put('src/main.py');
    put('.git/HEAD');
    writeFileSync(join(root, 'outside.txt'), 'secret');
    symlinkSync(join(root, 'outside.txt'), join(root, 'p', 'escape.txt'));
    symlinkSync(join(root, 'p', 'a.py'), join(root, 'p', 'alias.py'));
    const r = snapshotProject(join(root, 'p'), join(root, 'snap'));
    const has = (rel: string) => existsSync(join(root, 'snap', rel));
    for (const rel of ['a.py', '.gitignore', 'keep.log', 'src/main.py', 'src/build/kept.txt', 'alias.py']) assert.ok(has(rel), rel);
    for (const rel of ['x.log', 'build', 'src/local.txt', '.git', 'escape.txt']) assert.ok(!has(rel), rel);
    assert.deepEqual(r.skippedLinks, ['escape.txt']);
    assert.equal(readFileSync(join(root, 'snap', 'alias.py'), 'utf8'), 'a.py');
  });
});
