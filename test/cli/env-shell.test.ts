import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { REPO, Sandbox } from '../helpers/berth-cli.ts';
import { ADMIN, TestServer } from '../helpers/berth-server.ts';
import { join } from 'node:path';

const ENV = '21111111-2222-4333-8444-555555555555';

/** `berth env shell ARGS` with `input` on stdin (a pipe, not a terminal): its exit code and output. */
function shell(box: Sandbox, args: string[], input: string, env: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [join(REPO, 'bin', 'berth.js'), 'env', 'shell', ...args], { cwd: box.project, env: box.env({ BERTH_RUNTIME: 'process', ...env }), stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  child.stdin.end(input);
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
}

describe('berth env shell', () => {
  const box = new Sandbox();
  const server = new TestServer();
  before(async () => {
    box.file(`.orchest/environments/${ENV}/properties.json`, JSON.stringify({ uuid: ENV, name: 'cli-env', language: 'python', base_image: 'orchest/base-kernel-py' }));
    box.file(`.orchest/environments/${ENV}/setup_script.sh`, '#!/bin/bash\n');
    box.file('hello.txt', 'hello from the project\n');
    await server.start({ env: { BERTH_RUNTIME: 'process' } });
    const res = await server.api('POST', '/api/projects', { body: { name: 'shelled', path: box.project } });
    assert.equal(res.status, 201);
  });
  after(async () => {
    await server.close();
    server.cleanup();
    box.cleanup();
  });

  it('runs commands in the environment of the current folder\'s project and exits with the shell\'s status', async () => {
    const res = await shell(box, ['cli-env'], 'cat /project-dir/hello.txt; echo "py=$(command -v python)"\nexit 7\n');
    assert.equal(res.code, 7, res.stderr + res.stdout);
    assert.match(res.stdout, /hello from the project/);
    assert.match(res.stdout, /py=\S*\/venvs\/\S+\/bin\/python/);
  });

  it('runs the shell on the server with BERTH_ENDPOINT, and names the problem for an unknown environment', async () => {
    const remote = { BERTH_ENDPOINT: server.url, BERTH_TOKEN: ADMIN };
    const res = await shell(box, ['--project', 'shelled', ENV], 'echo "sum=$((40+2))"\nexit 0\n', remote);
    assert.equal(res.code, 0, res.stderr + res.stdout);
    assert.match(res.stdout, /sum=42/);
    const missing = await shell(box, ['--project', 'shelled', 'nope'], '', remote);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /no environment "nope"[\s\S]*cli-env/);
    const noProject = await shell(box, [ENV], '', remote);
    assert.equal(noProject.code, 2);
    assert.match(noProject.stderr, /--project/);
  });
});
