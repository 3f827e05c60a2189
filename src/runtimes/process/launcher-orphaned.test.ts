import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { closeSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../../config/config.ts';
import { findPython } from './find-python.ts';

const python = findPython(loadConfig().baseEnv.PATH) ?? assert.fail('python3 is not on PATH: the launcher needs it');
const SCRIPT = fileURLToPath(new URL('./launcher.py', import.meta.url));

describe('a launcher whose Berth went away', () => {
  const root = mkdtempSync(join(tmpdir(), 'berth-orphaned-launcher-'));
  after(() => rmSync(root, { recursive: true, force: true }));

  // Seen on a CI machine: launchers of SIGKILLed Berth processes still alive 18 minutes later,
  // starting a new worker every 5 s. The worker's answer about the workload's end found no reader;
  // its failed write stayed buffered, the worker's last flush raised, it "crashed", and every
  // worker started after it inherited the same unsendable buffer.
  it('records the end of its workload and exits, instead of restarting its worker forever', { timeout: 30_000 }, async () => {
    const registry = join(root, 'registry');
    mkdirSync(registry);
    const log = openSync(join(root, 'launcher.log'), 'a');
    const launcher = spawn(python, ['-I', '-S', SCRIPT, registry], { stdio: ['pipe', 'pipe', log] });
    closeSync(log);
    const answers = createInterface({ input: launcher.stdout! });
    const exitFile = join(registry, 'w1.exit');
    launcher.stdin!.write(
      `${JSON.stringify({ id: 'w1', argv: ['/bin/sh', '-c', 'sleep 0.5'], cwd: root, env: { PATH: '/usr/bin:/bin' }, log: join(root, 'w1.log'), exit: exitFile, record: { path: join(registry, 'w1.json'), entry: { id: 'w1', exitFile } } })}\n`,
    );
    const [first] = (await once(answers, 'line')) as [string];
    assert.equal(JSON.parse(first).id, 'w1', first);
    // Berth dies: both ends of the pipe close while the workload still runs.
    answers.close();
    launcher.stdin!.destroy();
    launcher.stdout!.destroy();
    const ended = once(launcher, 'exit');
    const gone = await Promise.race([ended.then(() => true), new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 8_000))]);
    if (!gone) launcher.kill('SIGKILL');
    const complaints = readFileSync(join(root, 'launcher.log'), 'utf8');
    assert.ok(gone, `the launcher still ran 8 s after its workload ended; its log:\n${complaints.slice(0, 1500)}`);
    assert.equal(readFileSync(exitFile, 'utf8'), '0\n', 'the end of the workload is recorded');
    assert.doesNotMatch(complaints, /starting another|Traceback/);
  });
});
