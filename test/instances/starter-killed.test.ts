import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { collect, parseJson, Sandbox } from '../helpers/berth-cli.ts';
import { alive, eventually } from '../helpers/instances.ts';

/** Pids whose command line is the supervisor title of instance `name`. */
function supervisors(name: string): number[] {
  const title = `berth instance: ${userInfo().username} [${name}]`;
  return readdirSync('/proc').filter((p) => /^\d+$/.test(p)).map(Number).filter((pid) => {
    try {
      return readFileSync(`/proc/${pid}/cmdline`, 'latin1').startsWith(title);
    } catch {
      return false;
    }
  });
}

describe('an instance whose starter is killed mid-start', () => {
  const box = new Sandbox();
  after(async () => {
    await box.run(['instance', 'stop', '--force', '--all']);
    box.cleanup();
  });

  it('is either recorded and stoppable, or stopped by its own supervisor: nothing runs untracked', { timeout: 300_000 }, async () => {
    for (let i = 0; i < 6; i++) {
      const name = `k${i}`;
      const pidFile = join(box.root, `${name}.pid`);
      const errLog = join(box.home, 'instances', 'logs', userInfo().username, `${name}.err`);
      const starter = box.spawn(['instance', 'start', 'host', name, 'sh', '-c', `echo $$ > ${pidFile}; exec sleep 300`]);
      const done = collect(starter);
      // The starter creates the .err log right before it spawns the supervisor: kill it around then.
      await eventually('the starter to reach the supervisor spawn', () => existsSync(errLog));
      await sleep(i * 60);
      starter.kill('SIGKILL');
      await done;
      await eventually(`${name} to be recorded or its supervisor gone`, async () => {
        const listed = parseJson((await box.run(['instance', 'list', '--json', name])).stdout).instances;
        if (listed.length === 1) return (await box.run(['instance', 'stop', name])).code === 0;
        return supervisors(name).length === 0;
      }, 60_000);
      if (existsSync(pidFile)) {
        const workload = Number(readFileSync(pidFile, 'utf8'));
        await eventually(`workload ${workload} of ${name} to be stopped`, () => !alive(workload));
      }
    }
  });
});
