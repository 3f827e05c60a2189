import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { text } from 'node:stream/consumers';
import { describe, it } from 'node:test';

const SUPERVISOR_MAIN = new URL('../../src/instances/supervisor-main.ts', import.meta.url).pathname;

// `berth instance start` spawns the supervisor before it has claimed the name; a refused start
// closes its stdin without an order. That supervisor writes into the .err log of the instance the
// name belongs to, so it must leave without a word.
describe('an instance supervisor that gets no order', () => {
  it('exits 0 and writes nothing', { timeout: 120_000 }, async () => {
    const child = spawn(process.execPath, [SUPERVISOR_MAIN], { stdio: ['pipe', 'pipe', 'pipe', 'pipe'] });
    child.stdin.end();
    const [out, err, [code]] = await Promise.all([text(child.stdout), text(child.stderr), once(child, 'close')]);
    assert.deepEqual({ code, out, err }, { code: 0, out: '', err: '' });
  });
});
