import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { test } from 'node:test';
import { ownerClaim, ownerState, parseOwnerClaim, thisProcess } from './owner-lease.ts';
import { readProcStat } from './proc-stat.ts';

test('this process is alive; a pid that exited is gone; another host is not decided here', () => {
  const me = thisProcess();
  assert.equal(me.pid, process.pid);
  assert.equal(typeof me.start, 'number');
  assert.equal(ownerState(me), 'alive');
  const ended = spawnSync('true').pid!;
  assert.equal(ownerState({ pid: ended, host: me.host, start: null }), 'gone');
  assert.equal(ownerState({ pid: process.pid, host: 'some-other-host', start: me.start }), 'elsewhere');
  assert.equal(ownerState({ pid: null, host: me.host }), 'gone');
});

test('a live process whose start time differs from the recorded one is a reused pid: gone', async () => {
  const child = spawn('sleep', ['30']);
  try {
    await once(child, 'spawn');
    const start = readProcStat(child.pid!)!.startTime;
    assert.equal(ownerState({ pid: child.pid!, host: thisProcess().host, start }), 'alive');
    assert.equal(ownerState({ pid: child.pid!, host: thisProcess().host, start: start - 1 }), 'gone');
    // Rows written before start times were recorded fall back to the pid alone.
    assert.equal(ownerState({ pid: child.pid!, host: thisProcess().host, start: null }), 'alive');
  } finally {
    child.kill('SIGKILL');
  }
});

test('claims round-trip through text; older claims without a start time parse with start unknown', () => {
  const me = thisProcess();
  assert.deepEqual(parseOwnerClaim(`${ownerClaim()}:ab12cd34`), me);
  assert.deepEqual(parseOwnerClaim('host-a:42:12345678'), { host: 'host-a', pid: 42, start: null });
});
