import assert from 'node:assert/strict';
import { it } from 'node:test';
import type { ConformanceKit } from './conformance-kit.ts';

const T = { timeout: 60_000 };

/** logs and exec. */
export function outputCases(kit: ConformanceKit): void {
  it('logs hold stdout and stderr, and follow streams until the workload ends', T, async () => {
    const driver = await kit.driver();
    const script = 'echo out-1; echo err-1 >&2; sleep 1; echo out-2; echo err-2 >&2';
    const handle = await kit.start(driver, kit.spec(driver, kit.sh(script)));
    let followed = '';
    for await (const chunk of driver.logs(handle, { follow: true })) followed += chunk.data;
    for (const line of ['out-1', 'err-1', 'out-2', 'err-2']) assert.match(followed, new RegExp(`^${line}$`, 'm'));
    assert.equal((await driver.wait(handle)).code, 0);
    assert.equal(await kit.readLog(driver, handle), followed);
  });

  it('a follow ends when its signal aborts', T, async () => {
    const driver = await kit.driver();
    const handle = await kit.start(driver, kit.spec(driver, kit.sh('echo ready; sleep 300')));
    const abort = new AbortController();
    let followed = '';
    for await (const chunk of driver.logs(handle, { follow: true, signal: abort.signal })) {
      followed += chunk.data;
      if (followed.includes('ready')) abort.abort();
    }
    assert.match(followed, /ready/);
    assert.equal(await driver.isRunning(handle), true);
    await driver.stop(handle, { graceMs: 5_000 });
  });

  it('exec returns output and exit codes, with the workload env and cwd plus its own env', T, async (t) => {
    const driver = await kit.driver();
    if (!driver.capabilities.exec) return t.skip('driver has no exec');
    const spec = kit.spec(driver, kit.sh('sleep 300'), { env: { FOO: 'bar' } });
    const handle = await kit.start(driver, spec);
    const failing = await driver.exec(handle, kit.sh('echo "$FOO-$EXTRA"; pwd; echo oops >&2; exit 4'), { env: { EXTRA: 'x' } });
    assert.deepEqual(failing, { code: 4, stdout: `bar-x\n${spec.cwd}\n`, stderr: 'oops\n' });
    const passing = await driver.exec(handle, ['echo', 'fine']);
    assert.deepEqual(passing, { code: 0, stdout: 'fine\n', stderr: '' });
    await driver.stop(handle, { graceMs: 5_000 });
  });
}
