import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { REPO, Sandbox } from '../helpers/berth-cli.ts';
import { alive, eventually, freePort } from '../helpers/instances.ts';

const README_BERTH = '/usr/local/bin/berth';
const BIN = join(REPO, 'bin', 'berth.ts');

/** The README's unit file: the ```ini block of the Instances section. */
function readmeUnit(): string {
  const readme = readFileSync(join(REPO, 'README.md'), 'utf8');
  const match = /```ini\n([\s\S]*?)```/.exec(readme);
  assert.ok(match, 'README.md has an ```ini unit block');
  return match[1]!;
}

function directive(unit: string, key: string): string {
  const match = new RegExp(`^${key}=(.*)$`, 'm').exec(unit);
  assert.ok(match, `the unit sets ${key}=`);
  return match[1]!;
}

function hasSystemdAnalyze(): boolean {
  return ['/usr/bin/systemd-analyze', '/bin/systemd-analyze'].some(existsSync);
}

describe('the README systemd unit', () => {
  const box = new Sandbox();
  after(() => box.cleanup());
  const unit = readmeUnit();

  it('is Type=forking with a PIDFile that ExecStart writes with --pid-file', () => {
    assert.equal(directive(unit, 'Type'), 'forking');
    const pidFile = directive(unit, 'PIDFile');
    assert.match(directive(unit, 'ExecStart'), new RegExp(`^${README_BERTH} instance start --pid-file ${pidFile} `));
    assert.match(directive(unit, 'ExecStop'), new RegExp(`^${README_BERTH} instance stop `));
  });

  it('passes systemd-analyze verify (with berth at the repository\'s bin/berth.ts)', { skip: !hasSystemdAnalyze() && 'systemd-analyze is not installed' }, async () => {
    const path = join(box.root, 'berth-web.service');
    writeFileSync(path, unit.replaceAll(README_BERTH, BIN));
    const { stderr } = await promisify(execFile)('systemd-analyze', ['verify', path]).catch((e: { stderr: string; code: number }) => {
      assert.fail(`systemd-analyze verify failed (${e.code}): ${e.stderr}`);
    });
    assert.doesNotMatch(stderr, /berth-web\.service/, stderr);
  });

  it('keeps the forking contract: ExecStart returns after the pid file names a live process; ExecStop ends it', async () => {
    const port = await freePort();
    const pidFile = join(box.root, 'berth-web.pid');
    const home = join(box.root, 'var-lib-berth');
    const [envKey, envValue] = directive(unit, 'Environment').split('=') as [string, string];
    assert.equal(envKey, 'BERTH_HOME');
    const argv = (line: string): string[] =>
      line.replaceAll(directive(unit, 'PIDFile'), pidFile).replace(/ 8000$/, ` ${port}`).split(' ').slice(1);
    const env = { BERTH_HOME: envValue.replace('/var/lib/berth', home) };
    const started = await box.run(argv(directive(unit, 'ExecStart')), { env });
    assert.equal(started.code, 0, started.stderr);
    // What systemd does right after ExecStart returns: read the PID file and watch that process.
    const text = readFileSync(pidFile, 'utf8');
    assert.match(text, /^\d+\n$/);
    const pid = Number(text);
    assert.equal(alive(pid), true, 'the main PID is alive when ExecStart has returned');
    const stopped = await box.run(argv(directive(unit, 'ExecStop')), { env });
    assert.equal(stopped.code, 0, stopped.stderr);
    await eventually('the main PID to be gone after ExecStop', () => !alive(pid));
    const list = await box.run(['instance', 'list', '--json'], { env });
    assert.deepEqual(JSON.parse(list.stdout), { instances: [] });
  });
});
