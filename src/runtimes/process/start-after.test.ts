import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readFileSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { pathToFileURL } from 'node:url';
import { loadConfig } from '../../config/config.ts';
import type { WorkloadSpec } from '../driver.ts';
import { ProcessDriver } from './process-driver.ts';
import { findPython } from './find-python.ts';

const python = findPython(loadConfig().baseEnv.PATH) ?? assert.fail('python3 is not on PATH: the launcher needs it');
const T = { timeout: 60_000 };
const PATH = '/usr/local/bin:/usr/bin:/bin';

describe('ProcessDriver.startAfter (the launcher starts the next workload itself)', () => {
  let root = '';
  let driver: ProcessDriver;
  let count = 0;
  /** A workload that appends its name to order.txt (after `pause` seconds) and exits with `code`. */
  const step = (name: string, opts: { pause?: number; code?: number } = {}): WorkloadSpec => {
    const id = `sa${++count}-${name}`;
    const script = `${opts.pause ? `sleep ${opts.pause}; ` : ''}echo ${name} >> order.txt; exit ${opts.code ?? 0}`;
    return { id, command: ['/bin/sh', '-c', script], cwd: root, env: { PATH }, labels: { run: 'start-after-tests' }, logPath: join(root, 'logs', `${id}.log`) };
  };
  const order = (): string[] => (existsSync(join(root, 'order.txt')) ? readFileSync(join(root, 'order.txt'), 'utf8').trim().split('\n').filter(Boolean) : []);

  before(async () => {
    root = realpathSync(mkdtempSync(join(tmpdir(), 'berth-start-after-')));
    driver = new ProcessDriver({ stateDir: join(root, 'state'), python });
    await driver.init();
  });
  after(async () => {
    for (const handle of await driver.list({})) await driver.remove(handle);
    await driver.destroy();
    rmSync(root, { recursive: true, force: true });
  });

  it('starts each armed workload when the one before exits with code 0, chained, each after the other', T, async () => {
    rmSync(join(root, 'order.txt'), { force: true });
    const x = await driver.start(step('x', { pause: 0.3 }));
    const [yspec, zspec] = [step('y'), step('z')];
    const [y, z] = [driver.startAfter(x.id, yspec), driver.startAfter(yspec.id, zspec)];
    const yh = (await y)?.handle;
    const zh = (await z)?.handle;
    assert.ok(yh && zh, 'both armed workloads started');
    assert.deepEqual(await driver.wait(yh), { code: 0, signal: null });
    assert.deepEqual(await driver.wait(zh), { code: 0, signal: null });
    assert.deepEqual(order(), ['x', 'y', 'z']);
    // Recorded like any workload: in the registry, adoptable, removable.
    assert.deepEqual((await driver.list({ run: 'start-after-tests' })).map((h) => h.id).filter((id) => [x.id, yh.id, zh.id].includes(id)).sort(), [x.id, yh.id, zh.id].sort());
  });

  it('a failure before: nothing armed after it starts, down the chain, and each resolves null', T, async () => {
    rmSync(join(root, 'order.txt'), { force: true });
    const x = await driver.start(step('x', { pause: 0.2, code: 3 }));
    const [yspec, zspec] = [step('y'), step('z')];
    const y = driver.startAfter(x.id, yspec);
    const z = driver.startAfter(yspec.id, zspec);
    assert.equal(await y, null);
    assert.equal(await z, null);
    assert.deepEqual(await driver.wait(x), { code: 3, signal: null });
    await delay(200);
    assert.deepEqual(order(), ['x']);
  });

  it('cancelStartAfter drops it before it starts; a late arm after a success starts at once, after a failure never', T, async () => {
    rmSync(join(root, 'order.txt'), { force: true });
    const x = await driver.start(step('x', { pause: 0.3 }));
    const yspec = step('y');
    const y = driver.startAfter(x.id, yspec);
    await delay(50);
    driver.cancelStartAfter(yspec.id);
    assert.equal(await y, null);
    await driver.wait(x);
    await delay(200);
    assert.deepEqual(order(), ['x']);
    // x has ended with 0: an arm that comes now starts at once.
    const late = await driver.startAfter(x.id, step('late'));
    assert.ok(late);
    await driver.wait(late.handle);
    // Both ends timed on the launcher's clock: x ended before the late one started, which ended after.
    const xEnd = driver.endedAt(x) ?? assert.fail('x has an end time');
    assert.ok(xEnd <= late.startedAt && late.startedAt <= (driver.endedAt(late.handle) ?? 0), `${xEnd} <= ${late.startedAt} <= ${driver.endedAt(late.handle)}`);
    const failed = await driver.start(step('f', { code: 1 }));
    await driver.wait(failed);
    assert.equal(await driver.startAfter(failed.id, step('never')), null);
    assert.equal(await driver.startAfter('no-such-workload', step('never2')), null);
    await delay(200);
    assert.deepEqual(order(), ['x', 'late', 'f']);
  });

  it('without the launcher (shell wrapper) it declines, and the caller starts as usual', T, async () => {
    const plain = new ProcessDriver({ stateDir: join(root, 'state-wrapper'), python: undefined });
    await plain.init();
    const x = await plain.start(step('w'));
    assert.equal(await plain.startAfter(x.id, step('w2')), null);
    await plain.wait(x);
    await plain.remove(x);
    await plain.destroy();
  });

  it('nothing armed starts once the Berth process that armed it is gone', T, async () => {
    const dir = join(root, 'gone');
    const marker = join(dir, 'armed-ran');
    const driverUrl = pathToFileURL(join(import.meta.dirname, 'process-driver.ts')).href;
    // A Berth process: starts x (1 s), arms y after it, and dies at once (SIGKILL, no clean-up).
    const script = `
      import { ProcessDriver } from ${JSON.stringify(driverUrl)};
      import { mkdirSync } from 'node:fs';
      mkdirSync(${JSON.stringify(dir)}, { recursive: true });
      const d = new ProcessDriver({ stateDir: ${JSON.stringify(join(dir, 'state'))}, python: ${JSON.stringify(python)} });
      await d.init();
      const base = { cwd: ${JSON.stringify(dir)}, env: { PATH: ${JSON.stringify(PATH)} }, labels: { run: 'gone' } };
      const x = await d.start({ ...base, id: 'gx', command: ['/bin/sh', '-c', 'sleep 1; echo x > x-ran'], logPath: ${JSON.stringify(join(dir, 'gx.log'))} });
      void d.startAfter(x.id, { ...base, id: 'gy', command: ['/bin/sh', '-c', 'echo y > ${marker}'], logPath: ${JSON.stringify(join(dir, 'gy.log'))} });
      setTimeout(() => process.kill(process.pid, 'SIGKILL'), 200);
    `;
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    const [, signal] = (await once(child, 'exit')) as [number | null, string | null];
    assert.equal(signal, 'SIGKILL', stderr);
    for (let i = 0; i < 60 && !existsSync(join(dir, 'x-ran')); i++) await delay(50);
    assert.ok(existsSync(join(dir, 'x-ran')), 'the running workload finished on its own');
    await delay(500);
    assert.equal(existsSync(marker), false, 'the armed workload must not start for a Berth that is gone');
  });
});

describe('the launcher and a removed workload', () => {
  it('an exit file removed before the workload ends is not made again by its end (nothing left in the registry)', T, async () => {
    const root = realpathSync(mkdtempSync(join(tmpdir(), 'berth-exit-file-')));
    const driver = new ProcessDriver({ stateDir: join(root, 'state'), python });
    await driver.init();
    try {
      const h = await driver.start({ id: 'ends-late', command: ['/bin/sh', '-c', 'sleep 0.3'], cwd: root, env: { PATH }, labels: { run: 'exit-file' }, logPath: join(root, 'ends-late.log') });
      const exitFile = String(h.state.exitFile);
      assert.ok(existsSync(exitFile), 'the launcher makes the (empty) exit file at the start');
      rmSync(exitFile);
      assert.deepEqual(await driver.wait(h), { code: 0, signal: null });
      await delay(100);
      assert.equal(existsSync(exitFile), false, 'the end of a removed workload must not leave an exit file behind');
    } finally {
      await driver.destroy();
      rmSync(root, { recursive: true, force: true });
    }
  });
});
