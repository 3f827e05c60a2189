import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isBerthError } from '../errors.ts';
import { parseRestartPolicy, restartDelayMs, shouldRestart } from './restart-policy.ts';

describe('restart policy', () => {
  it('parses the three policies, defaults to no and names the flag on a bad value', () => {
    assert.equal(parseRestartPolicy(undefined), 'no');
    assert.equal(parseRestartPolicy('on-failure'), 'on-failure');
    assert.throws(() => parseRestartPolicy('sometimes'), (e: unknown) => isBerthError(e) && e.problems[0]?.path === '--restart');
  });
  it('restarts failures under on-failure, every end under always, nothing under no', () => {
    const ends = [{ code: 0 }, { code: 3 }, { code: null }];
    assert.deepEqual(ends.map((e) => shouldRestart('no', e)), [false, false, false]);
    assert.deepEqual(ends.map((e) => shouldRestart('on-failure', e)), [false, true, true]);
    assert.deepEqual(ends.map((e) => shouldRestart('always', e)), [true, true, true]);
  });
  it('backs off exponentially and caps at 30 s', () => {
    assert.deepEqual([0, 1, 2, 3].map(restartDelayMs), [100, 200, 400, 800]);
    assert.equal(restartDelayMs(50), 30_000);
  });
});
