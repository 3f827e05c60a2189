import assert from 'node:assert/strict';
import { it } from 'node:test';
import type { OwnerLabels, WorkloadHandle } from '../driver.ts';
import type { ConformanceKit } from './conformance-kit.ts';

const T = { timeout: 60_000 };

/** What a driver remembers: list, idempotent start, adoption by a restarted Berth, remove. */
export function registryCases(kit: ConformanceKit): void {
  it('list returns the workloads whose labels include every given key', T, async () => {
    const driver = await kit.driver();
    const run = kit.uniqueLabel();
    const labels = (step: string, r = run): OwnerLabels => ({ project: 'berth-conformance', run: r, step });
    const a = await kit.start(driver, kit.spec(driver, kit.sh('true'), { labels: labels('a') }));
    const b = await kit.start(driver, kit.spec(driver, kit.sh('true'), { labels: labels('b') }));
    const other = await kit.start(driver, kit.spec(driver, kit.sh('true'), { labels: labels('a', kit.uniqueLabel()) }));
    for (const handle of [a, b, other]) await driver.wait(handle);
    assert.deepEqual(ids(await driver.list({ run })), [a.id, b.id].sort());
    assert.deepEqual(ids(await driver.list({ run, step: 'b' })), [b.id]);
    assert.deepEqual(ids(await driver.list({ run: kit.uniqueLabel() })), []);
    const [listed] = await driver.list({ run, step: 'a' });
    assert.equal(listed?.labels.step, 'a');
    assert.equal(listed?.logPath, a.logPath);
  });

  it('start is idempotent on id: a second start returns the same workload', T, async () => {
    const driver = await kit.driver();
    const run = kit.uniqueLabel();
    const spec = kit.spec(driver, kit.sh('echo started; sleep 300'), { labels: { run } });
    const first = await kit.start(driver, spec);
    const second = await kit.start(driver, spec);
    assert.equal(second.id, first.id);
    assert.deepEqual(second.state, first.state);
    await kit.waitForLog(driver, first, 'started');
    assert.deepEqual(ids(await driver.list({ run })), [first.id]);
    await driver.stop(first, { graceMs: 5_000 });
    assert.equal((await kit.readLog(driver, first)).match(/started/g)?.length, 1);
  });

  it('a second driver on the same state adopts: list, wait for the exit code, stop, start again', T, async () => {
    const stateDir = kit.stateDir();
    const first = await kit.driver(stateDir);
    const run = kit.uniqueLabel();
    const ending = kit.spec(first, kit.sh('sleep 1; exit 7'), { labels: { run, step: 'ending' } });
    const running = kit.spec(first, kit.sh('echo ready; sleep 300'), { labels: { run, step: 'running' } });
    const endingHandle = await kit.start(first, ending);
    const runningHandle = await kit.start(first, running);

    const second = await kit.driver(stateDir);
    const adopted = await second.list({ run });
    assert.deepEqual(ids(adopted), [ending.id, running.id].sort());
    const byId = (id: string): WorkloadHandle => adopted.find((h) => h.id === id) ?? assert.fail(`${id} not listed`);
    assert.equal((await second.wait(byId(ending.id))).code, 7);
    assert.equal(await second.isRunning(byId(running.id)), true);
    assert.deepEqual((await second.start(running)).state, runningHandle.state);
    await second.stop(byId(running.id), { graceMs: 5_000 });
    assert.equal(await first.isRunning(runningHandle), false);
    assert.notEqual((await second.wait(byId(running.id))).code, 0);
    assert.equal((await first.wait(endingHandle)).code, 7);
  });

  it('remove forgets a workload, stopping it first if it still runs', T, async () => {
    const driver = await kit.driver();
    const run = kit.uniqueLabel();
    const ended = await kit.start(driver, kit.spec(driver, kit.sh('true'), { labels: { run } }));
    const running = await kit.start(driver, kit.spec(driver, kit.sh('sleep 300'), { labels: { run } }));
    await driver.wait(ended);
    assert.equal((await driver.list({ run })).length, 2);
    await driver.remove(ended);
    await driver.remove(running);
    assert.equal(await driver.isRunning(running), false);
    assert.deepEqual(await driver.list({ run }), []);
  });
}

function ids(handles: WorkloadHandle[]): string[] {
  return handles.map((h) => h.id).sort();
}
