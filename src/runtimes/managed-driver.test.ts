import assert from 'node:assert/strict';
import { mkdtempSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { isBerthError } from '../errors.ts';
import { runDriverConformance } from './conformance/driver-conformance.ts';
import type { OwnerLabels, WorkloadHandle, WorkloadSpec } from './driver.ts';
import { ManagedDriver } from './managed-driver.ts';
import { ProcessDriver } from './process/process-driver.ts';

runDriverConformance('managed process', (stateDir) => new ManagedDriver(new ProcessDriver({ stateDir }), { installation: 'conformance' }));

/** A real process driver that counts and can fail its calls, to observe what ManagedDriver does around them. */
class ProbeDriver extends ProcessDriver {
  inits = 0;
  destroys = 0;
  failingInits = 0;
  listError: unknown;

  override async init(): Promise<void> {
    this.inits++;
    await delay(20);
    if (this.failingInits-- > 0) throw new Error('daemon not reachable');
    return super.init();
  }

  override async destroy(): Promise<void> {
    this.destroys++;
    return super.destroy();
  }

  override async list(owner: OwnerLabels): Promise<WorkloadHandle[]> {
    if (this.listError !== undefined) throw this.listError;
    return super.list(owner);
  }
}

const T = { timeout: 60_000 };

describe('ManagedDriver', () => {
  let root = '';
  let count = 0;
  const stateDir = (): string => mkdtempSync(join(root, 'state-'));
  const spec = (command: string[], extra: Partial<WorkloadSpec> = {}): WorkloadSpec => {
    const id = `m${++count}`;
    return { id, command, cwd: root, env: { PATH: '/usr/bin:/bin' }, labels: { run: 'managed-tests' }, logPath: join(root, 'logs', `${id}.log`), ...extra };
  };

  before(() => {
    root = realpathSync(mkdtempSync(join(tmpdir(), 'berth-managed-')));
  });

  after(() => {
    rmSync(root, { recursive: true, force: true });
  });

  it('fails calls that overrun timeoutMs with BERTH_E_DRIVER_TIMEOUT naming driver and method; wait has no limit', T, async () => {
    const managed = new ManagedDriver(new ProcessDriver({ stateDir: stateDir() }), { timeoutMs: 1_500 });
    const running = await managed.start(spec(['sleep', '300']));
    await assert.rejects(managed.exec(running, ['sleep', '4']), (e: unknown) =>
      isBerthError(e) && e.code === 'BERTH_E_DRIVER_TIMEOUT' && e.message.includes('process') && e.message.includes('exec'));
    // An attached exec (a user's shell) has no limit; a captured one gets its own timeoutMs on top.
    assert.equal((await managed.exec(running, ['sleep', '2'], { attach: true })).code, 0);
    assert.equal((await managed.exec(running, ['sleep', '2'], { timeoutMs: 5_000 })).code, 0);
    const slow = await managed.start(spec(['sleep', '2']));
    assert.equal((await managed.wait(slow)).code, 0);
    await managed.remove(running);
    await managed.remove(slow);
  });

  it('runs init once, lazily, shared by concurrent first calls', T, async () => {
    const probe = new ProbeDriver({ stateDir: stateDir() });
    const managed = new ManagedDriver(probe);
    assert.equal(probe.inits, 0);
    const handle = await managed.start(spec(['true']));
    assert.equal(probe.inits, 1);
    const other = new ProbeDriver({ stateDir: stateDir() });
    const fresh = new ManagedDriver(other);
    await Promise.all([fresh.list({}), fresh.init(), fresh.list({ run: 'x' }), fresh.isRunning(handle), fresh.init()]);
    await fresh.list({});
    assert.equal(other.inits, 1);
    assert.equal((await managed.wait(handle)).code, 0);
    assert.equal(probe.inits, 1);
  });

  it('reports a failed init as BERTH_E_DRIVER and retries it on the next call', T, async () => {
    const probe = new ProbeDriver({ stateDir: stateDir() });
    probe.failingInits = 1;
    const managed = new ManagedDriver(probe);
    await assert.rejects(managed.list({}), (e: unknown) =>
      isBerthError(e) && e.code === 'BERTH_E_DRIVER' && e.message.includes('init') && e.message.includes('daemon not reachable'));
    assert.deepEqual(await managed.list({}), []);
    assert.equal(probe.inits, 2);
  });

  it('wraps unknown errors in BERTH_E_DRIVER and lets BerthErrors and a caller abort through', T, async () => {
    const probe = new ProbeDriver({ stateDir: stateDir() });
    const managed = new ManagedDriver(probe);
    const cause = new Error('disk on fire');
    probe.listError = cause;
    await assert.rejects(managed.list({}), (e: unknown) =>
      isBerthError(e) && e.code === 'BERTH_E_DRIVER' && e.cause === cause && /process.*list.*disk on fire/.test(e.message));
    await assert.rejects(managed.start(spec(['true'], { image: 'docker.io/x' })), (e: unknown) => isBerthError(e) && e.code === 'BERTH_E_RUNTIME_UNSUPPORTED');
    await assert.rejects(managed.start(spec(['true']), AbortSignal.abort()), { name: 'AbortError' });
  });

  it('stamps its installation on every spec and only lists workloads of that installation', T, async () => {
    const dir = stateDir();
    const mine = new ManagedDriver(new ProcessDriver({ stateDir: dir }), { installation: 'home-a' });
    const theirs = new ManagedDriver(new ProcessDriver({ stateDir: dir }), { installation: 'home-b' });
    const handle = await mine.start(spec(['true'], { labels: { run: 'r1', installation: 'spoofed' } }));
    assert.deepEqual(handle.labels, { run: 'r1', installation: 'home-a' });
    assert.deepEqual((await mine.list({ run: 'r1' })).map((h) => h.id), [handle.id]);
    assert.deepEqual(await theirs.list({ run: 'r1' }), []);
    assert.deepEqual(await theirs.list({}), []);
    await mine.wait(handle);
    await mine.remove(handle);
  });

  it('destroys the inner driver once', T, async () => {
    const probe = new ProbeDriver({ stateDir: stateDir() });
    const managed = new ManagedDriver(probe);
    await managed.init();
    await Promise.all([managed.destroy(), managed.destroy()]);
    await managed.destroy();
    assert.equal(probe.destroys, 1);
  });
});
