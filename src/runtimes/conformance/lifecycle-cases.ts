import assert from 'node:assert/strict';
import { it } from 'node:test';
import type { ConformanceKit } from './conformance-kit.ts';

const T = { timeout: 60_000 };

/** start, wait, exit codes, environment and working directory. */
export function lifecycleCases(kit: ConformanceKit): void {
  it('start + wait reports exit code 0 and the output is in the log', T, async () => {
    const driver = await kit.driver();
    const handle = await kit.start(driver, kit.spec(driver, kit.sh('echo hello-berth')));
    const status = await driver.wait(handle);
    assert.equal(status.code, 0);
    assert.equal(status.signal, null);
    assert.match(await kit.readLog(driver, handle), /hello-berth/);
  });

  it('reports a non-zero exit code', T, async () => {
    const driver = await kit.driver();
    const handle = await kit.start(driver, kit.spec(driver, kit.sh('exit 3')));
    const status = await driver.wait(handle);
    assert.equal(status.code, 3);
    assert.equal(status.signal, null);
  });

  it('a missing program exits 127 and the log names it', T, async () => {
    const driver = await kit.driver();
    const handle = await kit.start(driver, kit.spec(driver, ['berth-no-such-program', '--flag']));
    assert.equal((await driver.wait(handle)).code, 127);
    assert.match(await kit.readLog(driver, handle), /berth-no-such-program/);
  });

  it('applies env and cwd and passes arguments verbatim', T, async () => {
    const driver = await kit.driver();
    const script = 'echo "FOO=$FOO"; echo "cwd=$(pwd)"; printf "<%s>" "$@"; echo';
    const spec = kit.spec(driver, kit.sh(script, 'a b', '$(echo injected)', "it's", '*', ''), { env: { FOO: 'two words' } });
    const handle = await kit.start(driver, spec);
    assert.equal((await driver.wait(handle)).code, 0);
    const log = await kit.readLog(driver, handle);
    assert.match(log, /^FOO=two words$/m);
    assert.ok(log.includes(`cwd=${spec.cwd}\n`), log);
    assert.ok(log.includes("<a b><$(echo injected)><it's><*><>\n"), log);
  });

  it('wait honours its AbortSignal and leaves the workload running', T, async () => {
    const driver = await kit.driver();
    const handle = await kit.start(driver, kit.spec(driver, kit.sh('sleep 300')));
    const abort = new AbortController();
    const waiting = driver.wait(handle, abort.signal);
    abort.abort();
    await assert.rejects(waiting);
    assert.equal(await driver.isRunning(handle), true);
    await driver.stop(handle, { graceMs: 5_000 });
    assert.equal(await driver.isRunning(handle), false);
  });
}
