import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { eventually } from '../../test/helpers/eventually.ts';
import { loadConfig } from '../config/config.ts';
import { kernelCullArgs, killSessionKernels, sessionJupyterDir } from './session-jupyter.ts';

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

describe('kernelCullArgs', () => {
  const args = (env: Record<string, string>) => kernelCullArgs(loadConfig({ PATH: '/usr/bin:/bin', BERTH_HOME: '/nonexistent', ...env }));
  it('culls idle kernels after an hour by default, checking every 5 minutes, sparing connected ones', () => {
    assert.deepEqual(args({}), ['--MappingKernelManager.cull_idle_timeout=3600', '--MappingKernelManager.cull_interval=300', '--MappingKernelManager.cull_connected=False']);
  });
  it('follows BERTH_KERNEL_IDLE_CULL_SECONDS (checked every tenth of it, at least each second) and BERTH_KERNEL_CULL_CONNECTED; 0 turns culling off', () => {
    assert.deepEqual(args({ BERTH_KERNEL_IDLE_CULL_SECONDS: '5', BERTH_KERNEL_CULL_CONNECTED: '1' }), ['--MappingKernelManager.cull_idle_timeout=5', '--MappingKernelManager.cull_interval=1', '--MappingKernelManager.cull_connected=True']);
    assert.deepEqual(args({ BERTH_KERNEL_IDLE_CULL_SECONDS: '0' }), []);
    assert.throws(() => args({ BERTH_KERNEL_IDLE_CULL_SECONDS: 'soon' }), /BERTH_KERNEL_IDLE_CULL_SECONDS=soon is not a number of seconds/);
  });
});
