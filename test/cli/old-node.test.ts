import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, describe, it } from 'node:test';
import { REPO } from '../helpers/berth-cli.ts';

/** A Node.js older than 24 on this machine (the system's, next to its npm/npx), or null. */
function findOldNode(): string | null {
  const pathWithout24 = (process.env.PATH ?? '').split(':').filter((d) => d !== dirname(process.execPath)).join(':');
  const candidates = ['/usr/bin/node', '/usr/local/bin/node'];
  try {
    candidates.unshift(execFileSync('sh', ['-c', 'command -v node'], { env: { PATH: pathWithout24 }, encoding: 'utf8' }).trim());
  } catch {
    // no other node on PATH
  }
  for (const node of candidates) {
    if (!node || !existsSync(node)) continue;
    const major = Number(execFileSync(node, ['-p', 'process.versions.node.split(".")[0]'], { encoding: 'utf8' }).trim());
    if (major < 24) return node;
  }
  return null;
}

const OLD = findOldNode();
const MESSAGE = /^Berth needs Node\.js 24 or newer, found \d+\.\d+\.\d+ \(.+\)\.\nGet it from https:\/\/nodejs\.org\/en\/download, or with a version manager/;

describe('an older Node.js: each entry point says first and alone that Berth needs 24', { skip: OLD ? false : 'no Node.js older than 24 on this machine' }, () => {
  const old = OLD!;
  const env = { PATH: `${dirname(old)}:/usr/bin:/bin`, HOME: process.env.HOME ?? '/root', npm_config_update_notifier: 'false', npm_config_fund: 'false', npm_config_audit: 'false' };
  const run = (cmd: string, args: string[], cwd = REPO) => spawnSync(cmd, args, { cwd, env, encoding: 'utf8', timeout: 120_000 });
  const scratch = mkdtempSync(join(tmpdir(), 'berth-old-node-'));
  after(() => rmSync(scratch, { recursive: true, force: true }));

  it('bin/berth.js: only the message, exit 1', () => {
    const res = run(old, [join(REPO, 'bin', 'berth.js'), '--version']);
    assert.equal(res.status, 1);
    assert.equal(res.stdout, '');
    assert.match(res.stderr, MESSAGE);
    assert.equal(res.stderr.trim().split('\n').length, 3, res.stderr);
  });

  it('npm test: the message before anything runs (no "Could not find" from the test runner, no tsc)', () => {
    const res = run(join(dirname(old), 'npm'), ['test']);
    assert.notEqual(res.status, 0);
    assert.match(res.stderr, MESSAGE);
    assert.doesNotMatch(res.stdout + res.stderr, /Could not find|tsc --noEmit &&[^\n]*\n[^>]/);
  });

  it('npm install: one EBADENGINE error naming berth and >=24, before any dependency is fetched or warned about', () => {
    for (const f of ['package.json', 'package-lock.json', '.npmrc']) cpSync(join(REPO, f), join(scratch, f));
    const res = run(join(dirname(old), 'npm'), ['install'], scratch);
    assert.notEqual(res.status, 0);
    const out = res.stdout + res.stderr;
    assert.match(out, /Not compatible with your version of node\/npm: berth@/);
    assert.match(out, /Required: \{"node":">=24"\}/);
    assert.doesNotMatch(out, /npm warn EBADENGINE/, 'no warnings about dependencies');
    assert.equal(existsSync(join(scratch, 'node_modules')), false);
  });

  it('npx berth (in the clone): the same single EBADENGINE error, not a silent exit or an import error', () => {
    const res = run(join(dirname(old), 'npx'), ['berth', '--version']);
    assert.notEqual(res.status, 0);
    const out = res.stdout + res.stderr;
    assert.match(out, /Not compatible with your version of node\/npm: berth@|Berth needs Node\.js 24 or newer/);
    assert.doesNotMatch(out, /SyntaxError|ERR_UNKNOWN_FILE_EXTENSION|enableCompileCache/);
  });
});
