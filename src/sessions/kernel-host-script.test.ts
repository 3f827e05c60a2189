import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const KERNEL_HOST = fileURLToPath(new URL('./docker-kernels/kernel_host.py', import.meta.url));
const PYTHON = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';

/** A stand-in kernel: records its argv, BERTH_KERNEL_ID and working folder, and each SIGINT, in OUT; runs until SIGTERM. */
const FAKE_KERNEL = `
import json, os, signal, sys, time
out = sys.argv[1]
def log(line):
    with open(out, "a") as f:
        f.write(line + "\\n")
signal.signal(signal.SIGINT, lambda *_: log("SIGINT"))
log(json.dumps({"argv": sys.argv[2:], "kernel_id": os.environ.get("BERTH_KERNEL_ID"), "cwd": os.getcwd()}))
while True:
    time.sleep(0.05)
`;

async function until(what: string, check: () => boolean, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('kernel_host.py (the Docker kernel host, run here with the host python3 and a stand-in kernel)', () => {
  const root = mkdtempSync(join(tmpdir(), 'berth-kernel-host-'));
  const requests = join(root, 'requests');
  const fake = join(root, 'fake_kernel.py');
  mkdirSync(requests);
  writeFileSync(fake, FAKE_KERNEL);
  let host: ChildProcess | null = null;
  after(() => {
    host?.kill('SIGKILL');
    rmSync(root, { recursive: true, force: true });
  });
  const out = (id: string) => join(root, `${id}.log`);
  const lines = (id: string) => (existsSync(out(id)) ? readFileSync(out(id), 'utf8').trim().split('\n') : []);
  const request = (id: string) => writeFileSync(join(requests, `kernel-${id}.json`), JSON.stringify({ shell_port: 1, key: 'k', cwd: root }));

  it("starts the language's kernel argv per request ({connection_file} replaced, BERTH_KERNEL_ID set, in the notebook's folder), passes an interrupt on as SIGINT, ends a withdrawn kernel, and exits once idle", async () => {
    // The argv a kernel host gets for R or JavaScript: here the stand-in, which also logs to a file named for the kernel.
    request('one');
    host = spawn(PYTHON, [KERNEL_HOST, requests, '1', PYTHON, fake, out('one'), '--args', '{connection_file}'], { stdio: 'ignore' });
    await until('the kernel started', () => lines('one').length > 0);
    const started = JSON.parse(lines('one')[0]!) as { argv: string[]; kernel_id: string; cwd: string };
    assert.equal(started.kernel_id, 'one');
    assert.equal(started.cwd, root);
    assert.equal(started.argv[0], '--args');
    assert.match(started.argv[1]!, /berth-kernels-.*\/kernel-one\.json$/, 'the connection file the host wrote');
    assert.deepEqual(JSON.parse(readFileSync(started.argv[1]!, 'utf8')), { shell_port: 1, key: 'k' }, 'the connection info without the folder');

    writeFileSync(join(requests, 'kernel-one.json.interrupt'), '');
    await until('SIGINT reached the kernel', () => lines('one').includes('SIGINT'));
    await until('the marker is consumed', () => !existsSync(join(requests, 'kernel-one.json.interrupt')));
    assert.equal(host.exitCode, null, 'the kernel host runs on');

    rmSync(join(requests, 'kernel-one.json'));
    const exited = new Promise<number | null>((resolve) => host!.once('exit', (code) => resolve(code)));
    assert.equal(await exited, 0, 'with its only kernel withdrawn (and ended) the host exits after its linger');
    assert.deepEqual(lines('one').filter((l) => l === 'SIGINT'), ['SIGINT'], 'one interrupt, one SIGINT');
  });

  it('does not pass on an interrupt asked before its kernel started', async () => {
    request('two');
    writeFileSync(join(requests, 'kernel-two.json.interrupt'), '');
    host = spawn(PYTHON, [KERNEL_HOST, requests, '1', PYTHON, fake, out('two'), '{connection_file}'], { stdio: 'ignore' });
    await until('the kernel started', () => lines('two').length > 0);
    await until('the early marker is dropped', () => !existsSync(join(requests, 'kernel-two.json.interrupt')));
    await new Promise((r) => setTimeout(r, 500));
    assert.deepEqual(lines('two').filter((l) => l === 'SIGINT'), []);
    host.kill('SIGTERM');
  });
});
