import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { chmodSync, chownSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, statfsSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, describe, it } from 'node:test';
import { loadConfig } from '../../config/config.ts';
import { HOME_KEY_FILE, liveStateDirs, sharedMemoryFolderOf } from './live-state-dir.ts';
import { WorkloadRegistry, type RegistryEntry } from './workload-registry.ts';
import { writeFileAtomic } from './write-file-atomic.ts';

const onTmpfs = (() => {
  try {
    return statfsSync('/dev/shm').type === 0x01021994;
  } catch {
    return false;
  }
})();
const uid = process.getuid!();

describe('where the process runtime records its live workloads (decision 0024)', () => {
  const root = mkdtempSync(join(tmpdir(), 'berth-live-'));
  const shmRoots: string[] = [];
  /** A fresh folder on /dev/shm standing in for it (the squatting cases plant things there). */
  const fakeShm = (): string => {
    const dir = mkdtempSync('/dev/shm/berth-live-test-');
    shmRoots.push(dir);
    return dir;
  };
  after(() => {
    rmSync(root, { recursive: true, force: true });
    for (const dir of shmRoots) rmSync(dir, { recursive: true, force: true });
  });

  it('keeps them in a private folder of this user in /dev/shm, one per home (a home reached through a link is the same home)', { skip: !onTmpfs && 'no tmpfs at /dev/shm' }, () => {
    const shm = fakeShm();
    const a = join(root, 'a');
    const b = join(root, 'b');
    mkdirSync(a);
    symlinkSync(a, join(root, 'a-link'));
    const dirsA = liveStateDirs({ home: a, shm });
    assert.equal(dirsA.legacy, join(a, 'workloads', 'process'));
    assert.ok(dirsA.dir.startsWith(join(shm, `berth-${uid}`) + '/'), dirsA.dir);
    assert.ok(existsSync(dirsA.dir));
    assert.equal(lstatSync(join(shm, `berth-${uid}`)).mode & 0o777, 0o700);
    assert.equal(liveStateDirs({ home: join(root, 'a-link'), shm }).dir, dirsA.dir);
    assert.notEqual(liveStateDirs({ home: b, shm }).dir, dirsA.dir);
    // Found again without making anything (what removing a home along with its records needs).
    assert.equal(sharedMemoryFolderOf(join(root, 'a-link'), { shm }), dirname(dirsA.dir));
    assert.equal(sharedMemoryFolderOf(join(root, 'never-made'), { shm }), undefined);
  });

  it('remembers the home\'s key in the home, and hashes again for a memo of another path or of the wrong shape', { skip: !onTmpfs && 'no tmpfs at /dev/shm' }, () => {
    const shm = fakeShm();
    const home = join(root, 'keyed');
    mkdirSync(home);
    const key = createHash('sha256').update(realpathSync(home)).digest('hex').slice(0, 32);
    const expected = join(shm, `berth-${uid}`, key, 'process');
    assert.equal(liveStateDirs({ home, shm }).dir, expected);
    const memo = join(home, HOME_KEY_FILE);
    assert.equal(readFileSync(memo, 'utf8'), `${realpathSync(home)}\n${key}`);
    assert.equal(lstatSync(memo).mode & 0o777, 0o600);
    // A copied home's memo names the path it was made for: the copy gets its own key (and memo).
    const copy = join(root, 'keyed-copy');
    mkdirSync(copy);
    writeFileAtomic(join(copy, HOME_KEY_FILE), `${realpathSync(home)}\n${key}`);
    const copyKey = createHash('sha256').update(realpathSync(copy)).digest('hex').slice(0, 32);
    assert.equal(liveStateDirs({ home: copy, shm }).dir, join(shm, `berth-${uid}`, copyKey, 'process'));
    // Not a key: never a path component, hashed again.
    for (const planted of [`${realpathSync(home)}\n../../elsewhere`, `${realpathSync(home)}\n${'0'.repeat(32)}\nmore`, '']) {
      writeFileAtomic(memo, planted);
      assert.equal(liveStateDirs({ home, shm }).dir, expected, JSON.stringify(planted));
    }
  });

  it('falls back to the home when the folder in /dev/shm is not its own and private: a link, open to others, or another user\'s', { skip: !onTmpfs && 'no tmpfs at /dev/shm' }, () => {
    const home = join(root, 'squatted');
    const legacy = join(home, 'workloads', 'process');

    const linked = fakeShm();
    const elsewhere = mkdtempSync(join(linked, 'target-'));
    symlinkSync(elsewhere, join(linked, `berth-${uid}`));
    assert.deepEqual(liveStateDirs({ home, shm: linked }), { dir: legacy });

    const open = fakeShm();
    mkdirSync(join(open, `berth-${uid}`));
    chmodSync(join(open, `berth-${uid}`), 0o777);
    assert.deepEqual(liveStateDirs({ home, shm: open }), { dir: legacy });

    if (uid === 0) {
      const others = fakeShm();
      mkdirSync(join(others, `berth-${uid}`), { mode: 0o700 });
      chownSync(join(others, `berth-${uid}`), 65534, 65534);
      assert.deepEqual(liveStateDirs({ home, shm: others }), { dir: legacy });
    }
  });

  it('keeps them under the home where /dev/shm is not a tmpfs, and in BERTH_RUNTIME_DIR when that is set', () => {
    const home = join(root, 'plain');
    const notTmpfs = mkdtempSync(join(root, 'disk-'));
    if (statfsSync(notTmpfs).type !== 0x01021994) assert.deepEqual(liveStateDirs({ home, shm: notTmpfs }), { dir: join(home, 'workloads', 'process') });
    const runtimeDir = join(root, 'run', 'berth');
    const chosen = liveStateDirs({ home, runtimeDir });
    assert.deepEqual(chosen, { dir: join(runtimeDir, 'process'), legacy: join(home, 'workloads', 'process') });
    assert.ok(existsSync(chosen.dir));
  });

  it('BERTH_RUNTIME_DIR must be an absolute path', () => {
    assert.throws(() => loadConfig({ HOME: root, BERTH_RUNTIME_DIR: 'run/berth' }), (e: Error & { code?: string }) => e.code === 'BERTH_E_CONFIG' && /BERTH_RUNTIME_DIR=run\/berth is not an absolute path/.test(e.message));
    assert.equal(loadConfig({ HOME: root, BERTH_RUNTIME_DIR: '/run/berth/' }).runtimeDir, '/run/berth');
  });

  it('a registry still finds, lists and removes what an earlier Berth recorded under the home; new records go to the new folder', async () => {
    const legacy = join(root, 'old-home', 'workloads', 'process');
    const dir = join(root, 'live', 'process');
    mkdirSync(legacy, { recursive: true });
    mkdirSync(dir, { recursive: true });
    const entry = (id: string, exitFile: string): RegistryEntry => ({ id, pid: 1, pgid: 1, startTime: 1, labels: {}, logPath: '/dev/null', command: ['true'], cwd: '/', env: {}, exitFile, createdAt: new Date(0).toISOString() });
    writeFileAtomic(join(legacy, 'old.json'), JSON.stringify(entry('old', join(legacy, 'old.exit'))));
    writeFileAtomic(join(legacy, 'old.exit'), '0\n');
    const registry = new WorkloadRegistry(dir, legacy);
    registry.write(entry('new', registry.exitPath('new')));
    assert.ok(existsSync(join(dir, 'new.json')));
    assert.ok(!existsSync(join(legacy, 'new.json')));
    assert.equal(registry.read('old')?.exitFile, join(legacy, 'old.exit'));
    assert.deepEqual(registry.list().map((e) => e.id).sort(), ['new', 'old']);
    await registry.delete('old');
    assert.ok(!existsSync(join(legacy, 'old.json')) && !existsSync(join(legacy, 'old.exit')));
    assert.deepEqual(registry.list().map((e) => e.id), ['new']);
    assert.equal(dirname(registry.entryPath('x')), dir);
  });
});
