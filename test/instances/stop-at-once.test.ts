import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { parseJson, Sandbox } from '../helpers/berth-cli.ts';
import { alive, eventually } from '../helpers/instances.ts';

// `instance start` returns while the supervisor it handed the workload to may still be booting
// (issue 17): a stop at once must stop the workload all the same, through its handle if need be.
describe('an instance stopped the moment its start returns', () => {
  const box = new Sandbox();
  after(async () => {
    await box.run(['instance', 'stop', '--force', '--all']);
    box.cleanup();
  });

  it('is stopped: its workload ends, its row and its supervisor are gone', { timeout: 300_000 }, async () => {
    for (let i = 0; i < 5; i++) {
      const name = `quick${i}`;
      const pidFile = join(box.root, `${name}.pid`);
      const started = await box.run(['instance', 'start', '--pid-file', join(box.root, `${name}.supervisor`), 'host', name, 'sh', '-c', `echo $$ > ${pidFile}; exec sleep 300`]);
      assert.equal(started.code, 0, started.stderr);
      const stopped = await box.run(['instance', 'stop', name]);
      assert.equal(stopped.code, 0, stopped.stderr);
      assert.deepEqual(parseJson((await box.run(['instance', 'list', '--json'])).stdout).instances, []);
      const supervisor = Number(readFileSync(join(box.root, `${name}.supervisor`), 'utf8'));
      await eventually(`the supervisor of ${name} to end`, () => !alive(supervisor));
      // The workload may have been stopped before its shell wrote the pid file.
      if (existsSync(pidFile)) {
        const workload = Number(readFileSync(pidFile, 'utf8'));
        await eventually(`workload ${workload} of ${name} to be stopped`, () => !alive(workload));
      }
    }
  });
});
