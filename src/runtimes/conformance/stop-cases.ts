import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { it } from 'node:test';
import type { ConformanceKit } from './conformance-kit.ts';

const T = { timeout: 60_000 };

/** stop: signal delivery, escalation after the grace period, idempotence. */
export function stopCases(kit: ConformanceKit): void {
  it('stop delivers the signal; a workload that handles it reports its own exit', T, async () => {
    const driver = await kit.driver();
    const script = 'trap "echo got-term; exit 0" TERM; echo ready; while :; do sleep 1 & wait $!; done';
    const handle = await kit.start(driver, kit.spec(driver, kit.sh(script)));
    await kit.waitForLog(driver, handle, 'ready');
    await driver.stop(handle, { signal: 'TERM', graceMs: 20_000 });
    const status = await driver.wait(handle);
    assert.equal(status.code, 0);
    assert.equal(status.signal, null);
    assert.match(await kit.readLog(driver, handle), /got-term/);
  });

  it('stop kills a workload that ignores the signal once the grace period is over, children included', T, async () => {
    const driver = await kit.driver();
    // The background child inherits the ignored TERM, so only the SIGKILL can end it.
    const script = 'trap "" TERM; sleep 300 & echo $! > bg.pid; echo ready; while :; do sleep 1; done';
    const spec = kit.spec(driver, kit.sh(script));
    const handle = await kit.start(driver, spec);
    await kit.waitForLog(driver, handle, 'ready');
    await driver.stop(handle, { signal: 'SIGTERM', graceMs: 1_000 });
    const status = await driver.wait(handle);
    assert.ok(status.signal === 'SIGKILL' || status.code === 137, `expected a SIGKILL end, got ${JSON.stringify(status)}`);
    assert.equal(await driver.isRunning(handle), false);
    if (!driver.capabilities.isolation) {
      // Host drivers: the background child is a host process that must be gone too.
      const pid = Number(readFileSync(join(spec.cwd, 'bg.pid'), 'utf8'));
      assert.ok(pid > 0);
      assert.equal(kit.isHostProcessAlive(pid), false, `background child ${pid} survived the stop`);
    }
  });

  it('stop is idempotent, on ended workloads and concurrently', T, async () => {
    const driver = await kit.driver();
    const ended = await kit.start(driver, kit.spec(driver, kit.sh('exit 0')));
    assert.equal((await driver.wait(ended)).code, 0);
    await driver.stop(ended, { graceMs: 1_000 });
    await driver.stop(ended, { graceMs: 1_000 });
    assert.equal((await driver.wait(ended)).code, 0);

    const running = await kit.start(driver, kit.spec(driver, kit.sh('sleep 300')));
    await Promise.all([driver.stop(running, { graceMs: 5_000 }), driver.stop(running, { graceMs: 5_000 })]);
    await driver.stop(running, { graceMs: 5_000 });
    assert.equal(await driver.isRunning(running), false);
    assert.notEqual((await driver.wait(running)).code, 0);
  });
}
