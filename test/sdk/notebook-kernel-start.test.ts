import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { which } from '../../src/runtimes/process/step-command.ts';
import { collect, parseJson, Sandbox } from '../helpers/berth-cli.ts';
import { eventually } from '../helpers/eventually.ts';
import { processesWith } from '../helpers/processes.ts';

/**
 * A notebook step whose kernel dies before it answers (as one does when another process takes the
 * port jupyter_client picked for it before the kernel binds it) is not a failed step: the runner
 * starts the kernel again before any cell runs. A kernel that never starts fails the step with one
 * line saying so, not a traceback.
 */
const PYTHON = '/usr/bin/python3';
const skip = which('jupyter-nbconvert', process.env.PATH ?? '') && existsSync(PYTHON) ? false : 'needs jupyter-nbconvert and python3-ipykernel (.ci/run installs them)';

/** A kernelspec "berth-<name>" whose kernel takes `seconds` to start (a marker file says it began): a run can be cancelled meanwhile. */
function slowKernelSpec(jupyterPath: string, name: string, began: string, seconds: number): void {
  const dir = join(jupyterPath, 'kernels', `berth-${name}`);
  mkdirSync(dir, { recursive: true });
  // The waiting process names the marker too, so a test finds every process of the kernel by it.
  const script = `touch '${began}'; ${PYTHON} -c 'import time; time.sleep(${seconds})' '${began}'; exec ${PYTHON} -m ipykernel_launcher -f "$0"`;
  writeFileSync(join(dir, 'kernel.json'), JSON.stringify({ argv: ['/bin/sh', '-c', script, '{connection_file}'], display_name: name, language: 'python' }));
}

/** A kernelspec "berth-<name>" that fails its first `failures` starts the way a port clash does, then runs ipykernel. */
function kernelSpec(jupyterPath: string, name: string, counter: string, failures: number): void {
  const dir = join(jupyterPath, 'kernels', `berth-${name}`);
  mkdirSync(dir, { recursive: true });
  const script = [
    `n=$(cat '${counter}' 2>/dev/null || echo 0); echo $((n + 1)) > '${counter}'`,
    `if [ "$n" -lt ${failures} ]; then echo 'zmq.error.ZMQError: Address already in use' >&2; exit 1; fi`,
    `exec ${PYTHON} -m ipykernel_launcher -f "$0"`,
  ].join('\n');
  writeFileSync(join(dir, 'kernel.json'), JSON.stringify({ argv: ['/bin/sh', '-c', script, '{connection_file}'], display_name: name, language: 'python' }));
}

function pipeline(box: Sandbox, file: string, kernel: string): void {
  const ran = JSON.stringify(join(box.root, 'ran.txt'));
  box.file('nb.ipynb', JSON.stringify({
    cells: [{ cell_type: 'code', execution_count: null, metadata: {}, outputs: [], source: `with open(${ran}, "a") as f:\n    f.write("ran\\n")\nprint("cell ran")` }],
    metadata: { kernelspec: { display_name: 'Python 3', language: 'python', name: 'python3' } },
    nbformat: 4,
    nbformat_minor: 4,
  }));
  box.file(file, JSON.stringify({
    name: file, uuid: '55555555-0000-4000-8000-000000000001', version: '1.0.0', parameters: {}, settings: {},
    steps: { s: { uuid: 's', title: 'Notebook', file_path: 'nb.ipynb', incoming_connections: [], environment: '', kernel: { name: kernel, display_name: kernel }, parameters: {}, meta_data: { hidden: false, position: [0, 0] } } },
  }));
}

describe('a notebook kernel that dies before it answers (process runtime)', () => {
  const boxes: Sandbox[] = [];
  after(() => boxes.forEach((b) => b.cleanup()));
  /** A fresh home and project, and the folder its kernelspecs go in (JUPYTER_PATH). */
  const fresh = (): { box: Sandbox; jupyterPath: string } => {
    const box = new Sandbox();
    boxes.push(box);
    return { box, jupyterPath: join(box.root, 'jupyter') };
  };

  it('is started again before any cell runs: the step succeeds, its cells ran once, the log says why', { skip, timeout: 120_000 }, async () => {
    const { box, jupyterPath } = fresh();
    const counter = join(box.root, 'starts');
    kernelSpec(jupyterPath, 'clash', counter, 1);
    pipeline(box, 'once.orchest', 'berth-clash');
    const res = await box.run(['run', 'once.orchest', '--json'], { env: { JUPYTER_PATH: jupyterPath } });
    const report = parseJson(res.stdout);
    const log = readFileSync(report.steps[0].log_path, 'utf8');
    assert.equal(res.code, 0, `${res.stderr}\n${log}`);
    assert.equal(readFileSync(counter, 'utf8').trim(), '2', 'the kernel was started twice');
    assert.match(log, /the notebook's kernel did not start \(Kernel died before replying to kernel_info\); starting it again \(attempt 2 of 3\)/);
    assert.match(log, /\[1\] cell ran/);
    assert.equal(readFileSync(join(box.root, 'ran.txt'), 'utf8'), 'ran\n', 'the cell ran once');
    const kernelLog = readFileSync(join(box.home, 'runs', report.run.uuid, 'notebooks', 's.ipynb.kernel.log'), 'utf8');
    assert.match(kernelLog, /Address already in use[\s\S]*kernel start 1 of 3 failed/);
  });

  it('is shut down when the run is cancelled while it starts: no kernel process is left, no cell ran', { skip, timeout: 120_000 }, async () => {
    const { box, jupyterPath } = fresh();
    const began = join(box.root, 'kernel-began');
    slowKernelSpec(jupyterPath, 'slow', began, 30);
    pipeline(box, 'slow.orchest', 'berth-slow');
    const runner = box.spawn(['run', 'slow.orchest', '--json'], { env: { JUPYTER_PATH: jupyterPath } });
    const done = collect(runner);
    await eventually('the kernel to begin starting', () => existsSync(began), 60_000);
    // The kernel runs in a session of its own: Berth's signal to the step's group does not reach it.
    assert.ok(processesWith(began).length > 0, 'the kernel process runs');
    const runs = parseJson((await box.run(['runs', '--json'])).stdout).runs;
    const cancel = await box.run(['cancel', runs[0].uuid]);
    assert.equal(cancel.code, 0, cancel.stderr);
    const res = await done;
    assert.equal(res.code, 1);
    assert.equal(parseJson(res.stdout).steps[0].status, 'ABORTED');
    await eventually('no kernel process left', () => processesWith(began).length === 0, 10_000);
    assert.equal(existsSync(join(box.root, 'ran.txt')), false);
  });

  it('that never starts fails the step after 3 attempts with one line, no traceback, and no cell run', { skip, timeout: 120_000 }, async () => {
    const { box, jupyterPath } = fresh();
    kernelSpec(jupyterPath, 'never', join(box.root, 'starts'), 99);
    pipeline(box, 'never.orchest', 'berth-never');
    const res = await box.run(['run', 'never.orchest', '--json'], { env: { JUPYTER_PATH: jupyterPath } });
    assert.equal(res.code, 1);
    const report = parseJson(res.stdout);
    assert.equal(report.steps[0].status, 'FAILURE');
    const log = readFileSync(report.steps[0].log_path, 'utf8');
    assert.match(log, /the notebook's kernel 'berth-never' did not start \(3 attempts\): Kernel died before replying to kernel_info; its output is in \S+s\.ipynb\.kernel\.log/);
    assert.doesNotMatch(log, /Traceback/);
    assert.equal(readFileSync(join(box.root, 'starts'), 'utf8').trim(), '3');
    assert.equal(existsSync(join(box.root, 'ran.txt')), false);
  });
});
