import assert from 'node:assert/strict';
import { spawn, execFile } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readFileSync, realpathSync, rmSync } from 'node:fs';
import { constants, tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { promisify } from 'node:util';
import { loadConfig } from '../../config/config.ts';
import { isBerthError } from '../../errors.ts';
import { runDriverConformance } from '../conformance/driver-conformance.ts';
import type { WorkloadSpec } from '../driver.ts';
import { ProcessDriver } from './process-driver.ts';
import { findPython } from './find-python.ts';
import { readProcStat } from '../../leases/proc-stat.ts';

const python = findPython(loadConfig().baseEnv.PATH) ?? assert.fail('python3 is not on PATH: the launcher needs it');
const MODES = [
  { name: 'launcher', python, envKeys: ['FOO', 'PATH'] },
  // The fallback without python3; sh exports PWD.
  { name: 'shell wrapper', python: undefined, envKeys: ['FOO', 'PATH', 'PWD'] },
];

for (const mode of MODES) {
  runDriverConformance(`process (${mode.name})`, (stateDir) => new ProcessDriver({ stateDir, python: mode.python }));
}

const T = { timeout: 120_000 };
const PATH = '/usr/local/bin:/usr/bin:/bin';

for (const mode of MODES) describe(`ProcessDriver (${mode.name})`, () => {
  let root = '';
  let stateDir = '';
  let driver: ProcessDriver;
  let count = 0;
  const spec = (command: string[], extra: Partial<WorkloadSpec> = {}): WorkloadSpec => {
    const id = `p${++count}`;
    return { id, command, cwd: root, env: { PATH }, labels: { run: 'process-tests' }, logPath: join(root, 'logs', `${id}.log`), ...extra };
  };
  const log = (id: string): string => readFileSync(join(root, 'logs', `${id}.log`), 'utf8');

  before(async () => {
    root = realpathSync(mkdtempSync(join(tmpdir(), 'berth-process-')));
    stateDir = join(root, 'state');
    driver = new ProcessDriver({ stateDir, python: mode.python, mountPython: python });
    await driver.init();
  });

  after(async () => {
    for (const handle of await driver.list({})) await driver.remove(handle);
    await driver.destroy();
    rmSync(root, { recursive: true, force: true });
  });

  it('rejects images, volumes and read-only mounts with BERTH_E_RUNTIME_UNSUPPORTED naming the field; image "host" runs', T, async () => {
    const unsupported = (field: string) => (e: unknown) =>
      isBerthError(e) && e.code === 'BERTH_E_RUNTIME_UNSUPPORTED' && e.message.includes(field) && e.message.includes('docker');
    await assert.rejects(driver.start(spec(['true'], { image: 'docker.io/x' })), unsupported('image'));
    await assert.rejects(driver.start(spec(['true'], { mounts: [{ type: 'volume', source: 'v', target: '/data' }] })), unsupported('mounts'));
    await assert.rejects(driver.start(spec(['true'], { mounts: [{ source: root, target: '/data', readOnly: true }] })), unsupported('mounts'));
    await assert.rejects(driver.start(spec(['true'], { mounts: [{ source: root, target: '/' }] })), unsupported('mounts'));
    const handle = await driver.start(spec(['true'], { image: 'host', mounts: [] }));
    assert.equal((await driver.wait(handle)).code, 0);
  });

  it('bind mounts exist in the workload only: /data and /project-dir inside, nothing on the host; the exit code is the program\'s', T, async () => {
    if (!driver.mountSupport().ok) return assert.fail(`mount namespaces unavailable here: ${JSON.stringify(driver.mountSupport())}`);
    const data = join(root, 'data-folder');
    const project = join(root, 'project-folder');
    for (const dir of [data, project]) (await import('node:fs')).mkdirSync(dir, { recursive: true });
    (await import('node:fs')).writeFileSync(join(project, 'in-project.txt'), 'project file\n');
    const s = spec(['sh', '-c', 'pwd; cat /project-dir/in-project.txt; echo written > /data/out.txt; grep -c " /data " /proc/self/mounts; exit 3'], {
      mounts: [{ source: data, target: '/data' }, { source: project, target: '/project-dir' }],
    });
    const handle = await driver.start(s);
    assert.equal((await driver.wait(handle)).code, 3);
    assert.equal(log(s.id), `${root}\nproject file\n1\n`);
    assert.equal(readFileSync(join(data, 'out.txt'), 'utf8'), 'written\n', 'what the workload writes to /data lands in the data folder');
    const hostMounts = readFileSync('/proc/self/mounts', 'utf8');
    assert.ok(!/ \/data | \/project-dir |berth-root/.test(hostMounts), 'nothing is mounted on the host');
    assert.equal(existsSync('/project-dir'), false, 'no mount point is created on the host');
    const missing = spec(['no-such-program-berth'], { mounts: [{ source: data, target: '/data' }] });
    assert.equal((await driver.wait(await driver.start(missing))).code, 127);
  });

  it('workloads with the same mounts share one kept namespace, rebuilt when a folder is replaced or the host mounts something', T, async () => {
    if (!driver.mountSupport().ok) return assert.fail(`mount namespaces unavailable here: ${JSON.stringify(driver.mountSupport())}`);
    const fs = await import('node:fs');
    const data = join(root, 'kept-data');
    const project = join(root, 'kept-project');
    const other = join(root, 'kept-other');
    for (const dir of [data, project, other]) fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(join(project, 'first.txt'), '1');
    const mounts = [{ source: data, target: '/data' }, { source: project, target: '/project-dir' }];
    const show = 'readlink /proc/self/ns/mnt; ls /project-dir; ls -a / | grep -c berth-host-root || true';
    const run = async (extra: Partial<WorkloadSpec>): Promise<string[]> => {
      const s = spec(['sh', '-c', show], extra);
      assert.equal((await driver.wait(await driver.start(s))).code, 0, log(s.id));
      return log(s.id).trim().split('\n');
    };
    // The first stays alive while the others start (a namespace's number is reused once it is gone).
    // A mount made on the host meanwhile (other tests' containers) rightly drops the kept namespace:
    // then the pair is tried again, a few times.
    let shared = false;
    for (let attempt = 0; attempt < 5 && !shared; attempt++) {
      const first = spec(['sh', '-c', `${show}; sleep 30`], { mounts });
      const firstHandle = await driver.start(first);
      while (!/\n0\n$/.test(log(first.id))) await delay(20);
      const [ns1, ...files1] = log(first.id).trim().split('\n');
      const [ns2, ...files2] = await run({ mounts });
      assert.deepEqual(files1, ['first.txt', '0'], 'the project at /project-dir; the host root is not reachable');
      assert.deepEqual(files2, files1);
      const [nsOther] = await run({ mounts: [{ source: data, target: '/data' }, { source: other, target: '/project-dir' }] });
      await driver.stop(firstHandle, { signal: 'SIGKILL', graceMs: 0 });
      assert.notEqual(nsOther, ns1, 'other mounts never share a namespace');
      shared = ns2 === ns1;
    }
    if (mode.python) assert.ok(shared, 'the launcher keeps one namespace for workloads with the same mounts');
    // A project folder deleted and made again at the same path: the next workload sees the new one.
    fs.rmSync(project, { recursive: true });
    fs.mkdirSync(project);
    fs.writeFileSync(join(project, 'second.txt'), '2');
    const [, ...files3] = await run({ mounts });
    assert.deepEqual(files3, ['second.txt', '0'], 'a replaced source folder: the next workload sees the new one');
    // Between mounted workloads the launcher is back in the host's namespace (as root it visits the kept one to start them).
    const plain = spec(['readlink', '/proc/self/ns/mnt']);
    assert.equal((await driver.wait(await driver.start(plain))).code, 0);
    assert.equal(log(plain.id).trim(), fs.readlinkSync('/proc/self/ns/mnt'), 'a workload without mounts runs in the host mount namespace');
    if (process.getuid?.() !== 0) return;
    // A file system mounted on the host after the namespace was built is seen by the next workload.
    const mnt = join(root, 'host-mount');
    fs.mkdirSync(mnt);
    await promisify(execFile)('mount', ['-t', 'tmpfs', 'berth-test', mnt]);
    try {
      fs.writeFileSync(join(mnt, 'on-tmpfs.txt'), 't');
      const s = spec(['cat', join(mnt, 'on-tmpfs.txt')], { mounts });
      assert.equal((await driver.wait(await driver.start(s))).code, 0, log(s.id));
      assert.equal(log(s.id), 't');
    } finally {
      await promisify(execFile)('umount', [mnt]);
    }
  });

  it('fails to start with BERTH_E_DRIVER naming a missing cwd', T, async () => {
    await assert.rejects(driver.start(spec(['true'], { cwd: join(root, 'missing') })), (e: unknown) => isBerthError(e) && e.code === 'BERTH_E_DRIVER' && /missing.*cwd/.test(e.message));
  });

  it('keeps <stateDir>/<id>.json with what adoption needs; remove deletes it and keeps the log', T, async () => {
    const s = spec(['sh', '-c', 'echo hi'], { env: { PATH, SECRET: 's' } });
    const handle = await driver.start(s);
    await driver.wait(handle);
    const entry = JSON.parse(readFileSync(join(stateDir, `${s.id}.json`), 'utf8')) as Record<string, unknown>;
    assert.equal(entry.pid, handle.state.pid);
    assert.equal(entry.pgid, handle.state.pid);
    assert.equal(entry.startTime, handle.state.startTime);
    assert.deepEqual([entry.command, entry.cwd, entry.logPath, entry.labels], [s.command, s.cwd, s.logPath, s.labels]);
    // The launcher is sent the environment once and records it from the request.
    assert.deepEqual(entry.env, s.env);
    assert.equal(readFileSync(String(entry.exitFile), 'utf8'), '0\n');
    await driver.remove(handle);
    assert.equal(existsSync(join(stateDir, `${s.id}.json`)), false);
    assert.equal(existsSync(String(entry.exitFile)), false);
    assert.equal(log(s.id), 'hi\n');
    await assert.rejects(driver.exec(handle, ['true']), (e: unknown) => isBerthError(e) && e.code === 'BERTH_E_WORKLOAD_NOT_FOUND');
  });

  it(`adds nothing to the environment${mode.python ? '' : ' but what sh exports (PWD)'}`, T, async () => {
    const env = await driver.start(spec(['env'], { env: { PATH, FOO: '1' } }));
    await driver.wait(env);
    assert.deepEqual(log(env.id).trim().split('\n').map((line) => line.split('=')[0]).sort(), mode.envKeys);
  });

  it(`exit codes outlive the Berth process that started them (builtins too); one killed behind its back ${mode.python ? 'is recorded as killed' : 'has vanished'}`, T, async () => {
    const runDir = join(root, 'orphans');
    const script = `
      import { ProcessDriver } from ${JSON.stringify(new URL('./process-driver.ts', import.meta.url).href)};
      const [stateDir, dir] = process.argv.slice(1);
      const driver = new ProcessDriver({ stateDir, python: ${JSON.stringify(mode.python ?? null)} ?? undefined });
      await driver.init();
      const spec = (id, script) => ({ id, command: ['sh', '-c', script], cwd: dir, env: { PATH: '/usr/bin:/bin' }, labels: { run: 'orphans' }, logPath: dir + '/' + id + '.log' });
      await driver.start(spec('finishes', 'sleep 1; exit 5'));
      await driver.start(spec('killed', 'sleep 300'));
      await driver.start({ ...spec('builtin', ''), command: ['exit', '4'] });
      process.exit(0);`;
    await promisify(execFile)(process.execPath, ['--input-type=module', '-e', script, stateDir, runDir]);
    const adopter = new ProcessDriver({ stateDir });
    const orphans = await adopter.list({ run: 'orphans' });
    const finishes = orphans.find((h) => h.id === 'finishes') ?? assert.fail('finishes not listed');
    const killed = orphans.find((h) => h.id === 'killed') ?? assert.fail('killed not listed');
    assert.deepEqual(await adopter.wait(finishes), { code: 5, signal: null });
    assert.deepEqual(await adopter.wait(orphans.find((h) => h.id === 'builtin') ?? assert.fail('builtin not listed')), { code: 4, signal: null });
    assert.equal(await adopter.isRunning(killed), true);
    process.kill(-Number(killed.state.pgid), 'SIGKILL');
    const status = await adopter.wait(killed);
    assert.equal(status.code, null);
    if (mode.python) {
      // The launcher outlived the Berth that started it and saw the kill.
      assert.equal(status.signal, 'SIGKILL');
    } else {
      assert.equal(status.signal, null);
      assert.match(status.reason ?? '', /vanished/);
    }
  });

  it('a handle whose pid now belongs to another process is not running, has vanished and is never signalled', T, async () => {
    const stranger = spawn('sleep', ['300'], { detached: true, stdio: 'ignore' });
    const exited = once(stranger, 'exit');
    const pid = stranger.pid ?? assert.fail('sleep did not start');
    try {
      const startTime = (readProcStat(pid) ?? assert.fail('no stat')).startTime;
      const handle = { id: 'reused', driver: 'process', labels: {}, logPath: join(root, 'reused.log'), state: { pid, pgid: pid, startTime: startTime - 1, exitFile: join(root, 'reused.exit') } };
      assert.equal(await driver.isRunning(handle), false);
      assert.match((await driver.wait(handle)).reason ?? '', /vanished/);
      await driver.stop(handle, { signal: 'KILL', graceMs: 0 });
      assert.notEqual(readProcStat(pid)?.state ?? 'Z', 'Z', 'stop signalled a process that is not the workload');
    } finally {
      stranger.kill('SIGKILL');
      await exited;
    }
  });

  it('a stop right after start reaches the workload: the wrapper start-up does not swallow it', T, async () => {
    const pause = new Int32Array(new SharedArrayBuffer(4));
    for (let i = 0; i < 100; i++) {
      const handle = await driver.start(spec(['sh', '-c', 'sleep 300']));
      // Sweep the stop across the first ~2 ms of the wrapper's life (timers cannot wait less than 1 ms).
      Atomics.wait(pause, 0, 0, (i % 25) * 0.1);
      // A lost TERM would only end with the SIGKILL after this grace period.
      await driver.stop(handle, { graceMs: 30_000 });
      const status = await driver.wait(handle);
      assert.ok(status.code === 143 || status.signal === 'SIGTERM', `attempt ${i}: ${JSON.stringify(status)}`);
    }
  });

  it('stop accepts signal numbers and rejects unknown signals', T, async () => {
    const handle = await driver.start(spec(['sh', '-c', 'trap "echo got-usr1; exit 0" USR1; echo ready; while :; do sleep 1 & wait $!; done']));
    await assert.rejects(driver.stop(handle, { signal: 'NOPE', graceMs: 0 }), (e: unknown) => isBerthError(e) && e.code === 'BERTH_E_DRIVER' && e.message.includes('NOPE'));
    while (!log(handle.id).includes('ready')) await delay(50);
    await driver.stop(handle, { signal: String(constants.signals.SIGUSR1), graceMs: 20_000 });
    assert.deepEqual(await driver.wait(handle), { code: 0, signal: null });
    assert.match(log(handle.id), /got-usr1/);
  });

  it('exec reports a missing program as 127 and kills a command that outlives timeoutMs', T, async () => {
    const handle = await driver.start(spec(['sleep', '300']));
    assert.equal((await driver.exec(handle, ['berth-no-such-program'])).code, 127);
    const slow = await driver.exec(handle, ['sh', '-c', 'echo started; sleep 300'], { timeoutMs: 300 });
    assert.equal(slow.code, null);
    assert.equal(slow.stdout, 'started\n');
    await driver.stop(handle, { graceMs: 5_000 });
  });

  it('errLogPath takes stderr apart from stdout', T, async () => {
    const s = spec(['sh', '-c', 'echo to-out; echo to-err >&2'], { errLogPath: join(root, 'logs', 'split.err') });
    await driver.wait(await driver.start(s));
    assert.equal(log(s.id), 'to-out\n');
    assert.equal(readFileSync(join(root, 'logs', 'split.err'), 'utf8'), 'to-err\n');
  });

  it('stats sums the processes of the workload group; an ended workload reports none', T, async () => {
    const handle = await driver.start(spec(['sh', '-c', 'sleep 300 & sleep 300 & echo ready; wait']));
    while (!log(handle.id).includes('ready')) await delay(20);
    const stats = await driver.stats(handle);
    assert.ok(stats.pids >= 3, `pids ${stats.pids}`);
    assert.ok(stats.memoryBytes > 0 && stats.memoryLimitBytes > stats.memoryBytes);
    await driver.stop(handle, { graceMs: 5_000 });
    assert.equal((await driver.stats(handle)).pids, 0);
  });

  it('exec with attach runs on the caller\'s stdio and reports the exit code (128 + n for a signal)', T, async () => {
    const handle = await driver.start(spec(['sleep', '300'], { env: { PATH, MARK: 'attached' } }));
    const script = `
      import { ProcessDriver } from ${JSON.stringify(new URL('./process-driver.ts', import.meta.url).href)};
      const driver = new ProcessDriver({ stateDir: process.argv[1] });
      const handle = JSON.parse(process.argv[2]);
      const a = await driver.exec(handle, ['sh', '-c', 'echo "$MARK"; exit 3'], { attach: true });
      const b = await driver.exec(handle, ['sh', '-c', 'kill -TERM $$'], { attach: true });
      console.log(JSON.stringify([a, b]));`;
    const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', script, stateDir, JSON.stringify(handle)]);
    const [first, results] = stdout.split('\n');
    assert.equal(first, 'attached');
    assert.deepEqual(JSON.parse(results!), [{ code: 3, stdout: '', stderr: '' }, { code: 143, stdout: '', stderr: '' }]);
    await driver.stop(handle, { graceMs: 5_000 });
  });
});
