import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { BUNDLE_ENTRY, BUNDLE_MANIFEST, freshBundleEntry, manifestOf, statStamp, SUPERVISOR_ENTRY } from '../../src/bundle/bundle-manifest.ts';
import { REPO, Sandbox } from '../helpers/berth-cli.ts';

describe('bundle freshness (bin/berth.ts never runs stale code)', () => {
  const root = mkdtempSync(join(tmpdir(), 'berth-bundle-'));
  after(() => rmSync(root, { recursive: true, force: true }));
  const write = (rel: string, text: string) => {
    mkdirSync(join(root, rel, '..'), { recursive: true });
    writeFileSync(join(root, rel), text);
  };
  const record = () => {
    write(`dist/cli/${BUNDLE_MANIFEST}`, JSON.stringify(manifestOf(root, ['src/a.ts', 'src/b.ts'])));
  };

  test('no bundle: the sources run', () => {
    assert.equal(freshBundleEntry(root), null);
  });

  test('a bundle built from the files on disk is used; editing, removing a source or a corrupt manifest falls back', () => {
    write('src/a.ts', 'export const a = 1;\n');
    write('src/b.ts', 'export const b = 2;\n');
    record();
    assert.equal(freshBundleEntry(root), null, 'a manifest without its entry file is not a bundle');
    write(`dist/cli/${BUNDLE_ENTRY}`, 'export {};\n');
    assert.equal(freshBundleEntry(root), join(root, 'dist/cli', BUNDLE_ENTRY));
    write('src/b.ts', 'export const b = 2;\n');
    assert.notEqual(freshBundleEntry(root), null, 'a source rewritten with the same content keeps the bundle');
    const before = statSync(join(root, 'src/b.ts'));
    const stamp = statStamp(join(root, 'src/b.ts'));
    write('src/b.ts', 'export const b = 3;\n');
    utimesSync(join(root, 'src/b.ts'), before.atime, before.mtime);
    assert.notEqual(statStamp(join(root, 'src/b.ts')), stamp, 'the fast check (stat stamps) sees it too');
    assert.equal(freshBundleEntry(root), null, 'an edit of the same size with its mtime set back makes the bundle stale');
    record();
    assert.notEqual(freshBundleEntry(root), null);
    rmSync(join(root, 'src/a.ts'));
    assert.equal(freshBundleEntry(root), null, 'a removed source makes the bundle stale');
    write(`dist/cli/${BUNDLE_MANIFEST}`, '{"inputs": [');
    assert.equal(freshBundleEntry(root), null, 'an unreadable manifest is ignored');
  });

  test('a bundled package is checked through its package.json alone; installing another version makes the bundle stale', () => {
    const pkgRoot = mkdtempSync(join(tmpdir(), 'berth-bundle-pkg-'));
    try {
      const put = (rel: string, text: string) => {
        mkdirSync(join(pkgRoot, rel, '..'), { recursive: true });
        writeFileSync(join(pkgRoot, rel), text);
      };
      put('src/a.ts', 'export const a = 1;\n');
      put('node_modules/dep/package.json', '{"version":"1.0.0"}\n');
      put('node_modules/dep/lib/x.js', 'export const x = 1;\n');
      put('node_modules/dep/lib/y.js', 'export const y = 1;\n');
      put('node_modules/@scope/p/package.json', '{"version":"2.0.0"}\n');
      put('node_modules/@scope/p/i.js', 'export const i = 1;\n');
      const inputs = ['src/a.ts', 'node_modules/dep/lib/x.js', 'node_modules/dep/lib/y.js', 'node_modules/@scope/p/i.js'];
      const manifest = manifestOf(pkgRoot, inputs);
      assert.deepEqual(manifest.checked, ['src/a.ts', 'node_modules/dep/package.json', 'node_modules/@scope/p/package.json']);
      assert.deepEqual(manifest.inputs, inputs, 'the hash still covers every file');
      put(`dist/cli/${BUNDLE_MANIFEST}`, JSON.stringify(manifest));
      put(`dist/cli/${BUNDLE_ENTRY}`, 'export {};\n');
      assert.equal(freshBundleEntry(pkgRoot), join(pkgRoot, 'dist/cli', BUNDLE_ENTRY));
      // What an install of another version does: the package's files and its package.json replaced.
      put('node_modules/dep/lib/x.js', 'export const x = 2;\n');
      put('node_modules/dep/package.json', '{"version":"1.0.1"}\n');
      assert.equal(freshBundleEntry(pkgRoot), null);
      // A manifest of an earlier build (no `checked`: its stamps are the inputs' own) is still read.
      const earlier = manifestOf(pkgRoot, inputs);
      put(`dist/cli/${BUNDLE_MANIFEST}`, JSON.stringify({ inputs, hash: earlier.hash, stamps: inputs.map((p) => statStamp(join(pkgRoot, p))) }));
      assert.equal(freshBundleEntry(pkgRoot), join(pkgRoot, 'dist/cli', BUNDLE_ENTRY));
      put('node_modules/dep/lib/y.js', 'export const y = 2;\n');
      assert.equal(freshBundleEntry(pkgRoot), null);
    } finally {
      rmSync(pkgRoot, { recursive: true, force: true });
    }
  });

  test('a check this process made is reused only when asked, only for reuseMs, and only when it found the bundle fresh', async () => {
    write('src/a.ts', 'export const a = 1;\n');
    write('src/b.ts', 'export const b = 2;\n');
    record();
    write(`dist/cli/${SUPERVISOR_ENTRY}`, 'export {};\n');
    assert.equal(freshBundleEntry(root), join(root, 'dist/cli', BUNDLE_ENTRY));
    write('src/b.ts', 'export const b = 3;\n');
    assert.equal(freshBundleEntry(root, 'dist/cli', SUPERVISOR_ENTRY, { reuseMs: 60_000 }), join(root, 'dist/cli', SUPERVISOR_ENTRY), 'the check of a moment ago');
    await new Promise((resolve) => setTimeout(resolve, 20));
    assert.equal(freshBundleEntry(root, 'dist/cli', SUPERVISOR_ENTRY, { reuseMs: 10 }), null, 'too old: checked again');
    assert.equal(freshBundleEntry(root, 'dist/cli', SUPERVISOR_ENTRY, { reuseMs: 60_000 }), null, 'a stale verdict is never reused');
    record();
    assert.notEqual(freshBundleEntry(root, 'dist/cli', SUPERVISOR_ENTRY), null);
    write('src/b.ts', 'export const b = 4;\n');
    assert.equal(freshBundleEntry(root, 'dist/cli', SUPERVISOR_ENTRY), null, 'not asked: checked');
  });
});

describe('the bundled CLI (scripts/build-cli.ts)', () => {
  const dir = `dist/cli-test-${process.pid}`;
  const sandbox = new Sandbox();
  after(() => {
    rmSync(join(REPO, dir), { recursive: true, force: true });
    sandbox.cleanup();
  });

  test('builds a fresh bundle that runs a pipeline (its modules still find the launcher and SDK next to their sources)', () => {
    const build = spawnSync(process.execPath, ['scripts/build-cli.ts', dir], { cwd: REPO, encoding: 'utf8' });
    assert.equal(build.status, 0, build.stderr);
    const entry = freshBundleEntry(REPO, dir);
    assert.ok(entry, 'the bundle just built matches the sources');
    assert.ok(freshBundleEntry(REPO, dir, SUPERVISOR_ENTRY), 'the instance supervisor is bundled too');
    const manifest = JSON.parse(readFileSync(join(REPO, dir, BUNDLE_MANIFEST), 'utf8')) as { inputs: string[] };
    assert.ok(manifest.inputs.includes('src/cli/main.ts') && manifest.inputs.includes('src/engine/engine.ts'));
    const script = `const { main } = await import(${JSON.stringify(pathToFileURL(entry).href)}); process.exitCode = await main(process.argv.slice(1));`;
    const run = spawnSync(process.execPath, ['--input-type=module', '-e', script, 'run', join(REPO, 'examples/hello/hello.orchest'), '--json'], {
      cwd: sandbox.root,
      env: sandbox.env(),
      encoding: 'utf8',
    });
    assert.equal(run.status, 0, run.stderr);
    const report = JSON.parse(run.stdout) as { run: { status: string }; steps: { status: string }[] };
    assert.equal(report.run.status, 'SUCCESS');
    assert.deepEqual(report.steps.map((s) => s.status), ['SUCCESS', 'SUCCESS', 'SUCCESS', 'SUCCESS']);
    const version = spawnSync(process.execPath, ['--input-type=module', '-e', script, '--', '--version'], { encoding: 'utf8' });
    assert.match(version.stdout, /^berth \d+\.\d+\.\d+/);
  });
});
