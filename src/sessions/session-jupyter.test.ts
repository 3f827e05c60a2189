import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { eventually } from '../../test/helpers/eventually.ts';
import { killSessionKernels, sessionJupyterDir } from './session-jupyter.ts';

describe('killSessionKernels', () => {
  it("ends the processes naming a connection file of the session's runtime folder, and no other", async () => {
    const home = mkdtempSync(join(tmpdir(), 'berth-kernels-'));
    const sleeper = (arg: string) => spawn(process.execPath, ['-e', 'setTimeout(() => {}, 600000)', arg], { stdio: 'ignore', detached: true });
    const kernel = sleeper(join(sessionJupyterDir(home, 's1'), 'runtime', 'kernel-abc.json'));
    const other = sleeper(join(sessionJupyterDir(home, 's2'), 'runtime', 'kernel-abc.json'));
    const gone = (child: ReturnType<typeof sleeper>) => new Promise<boolean>((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve(true) : child.once('exit', () => resolve(true))));
    try {
      const running = (child: ReturnType<typeof sleeper>) => {
        try {
          return readFileSync(`/proc/${child.pid}/cmdline`, 'utf8').includes('kernel-abc.json');
        } catch {
          return false;
        }
      };
      await eventually('both sleepers started', () => running(kernel) && running(other));
      assert.deepEqual(killSessionKernels(home, 's1'), [kernel.pid]);
      await gone(kernel);
      assert.equal(kernel.signalCode, 'SIGKILL');
      assert.equal(other.exitCode, null, "another session's kernel runs on");
      assert.equal(other.signalCode, null);
    } finally {
      other.kill('SIGKILL');
      kernel.kill('SIGKILL');
      rmSync(home, { recursive: true, force: true });
    }
  });
});
