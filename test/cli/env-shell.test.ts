import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { REPO, Sandbox } from '../helpers/berth-cli.ts';
import { ADMIN, TestServer } from '../helpers/berth-server.ts';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';

const ENV = '21111111-2222-4333-8444-555555555555';

/** `berth env shell ARGS` with `input` on stdin (a pipe, not a terminal): its exit code and output. */
function shell(box: Sandbox, args: string[], input: string, env: Record<string, string> = {}, cwd = box.project): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [join(REPO, 'bin', 'berth.js'), 'env', 'shell', ...args], { cwd, env: box.env({ BERTH_RUNTIME: 'process', ...env }), stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  child.stdin.end(input);
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
}

describe('berth env shell and env list', () => {
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

  it('lists the environments of a project (name, uuid, language, base image, build), as a table or JSON, here and on the server', async () => {
    const table = await box.run(['env', 'list'], { env: { BERTH_RUNTIME: 'process' } });
    assert.equal(table.code, 0, table.stderr);
    const [header, row] = table.stdout.trim().split('\n');
    assert.deepEqual(header!.split(/\s{2,}/), ['NAME', 'UUID', 'LANGUAGE', 'BASE IMAGE', 'BUILD']);
    assert.deepEqual(row!.split(/\s{2,}/), ['cli-env', ENV, 'python', 'orchest/base-kernel-py', 'not built']);
    const local = await box.run(['env', 'list', '--json', '--project', box.project], { cwd: box.root });
    assert.equal(local.code, 0, local.stderr);
    const environments = (JSON.parse(local.stdout) as { environments: Array<Record<string, unknown>> }).environments;
    assert.deepEqual(environments.map((e) => [e.name, e.uuid, e.language, e.base_image, e.build]), [['cli-env', ENV, 'python', 'orchest/base-kernel-py', null]]);
    const remote = await box.run(['env', 'list', '--json', '--project', 'shelled'], { env: { BERTH_ENDPOINT: server.url, BERTH_TOKEN: ADMIN } });
    assert.equal(remote.code, 0, remote.stderr);
    assert.deepEqual(JSON.parse(remote.stdout), JSON.parse(local.stdout), 'the server answers the same');
    const unknown = await box.run(['env', 'list', '--project', 'nope-not-here']);
    assert.equal(unknown.code, 2, unknown.stderr);
    assert.match(unknown.stderr, /no project "nope-not-here"/);
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

  it('takes --project as a project folder too (absolute or relative), here and on the server; a missing folder is named', async () => {
    const elsewhere = join(box.root, 'elsewhere');
    mkdirSync(elsewhere, { recursive: true });
    for (const project of [box.project, '../project']) {
      const res = await shell(box, ['--project', project, 'cli-env'], 'cat hello.txt; exit 3\n', {}, elsewhere);
      assert.equal(res.code, 3, `--project ${project}: ${res.stderr}${res.stdout}`);
      assert.match(res.stdout, /hello from the project/);
    }
    const remote = await shell(box, ['--project', box.project, 'cli-env'], 'echo "sum=$((40+2))"\nexit 0\n', { BERTH_ENDPOINT: server.url, BERTH_TOKEN: ADMIN }, elsewhere);
    assert.equal(remote.code, 0, remote.stderr + remote.stdout);
    assert.match(remote.stdout, /sum=42/);
    const missing = await shell(box, ['--project', './no-such-folder', 'cli-env'], '', {}, elsewhere);
    assert.equal(missing.code, 2, missing.stderr);
    assert.match(missing.stderr, /--project.*no-such-folder/);
  });


  it('lists the build of an environment once a shell has built it', async () => {
    const listed = await box.run(['env', 'list', '--json']);
    assert.equal(listed.code, 0, listed.stderr);
    const [env] = (JSON.parse(listed.stdout) as { environments: Array<{ build: { status: string; image: string } | null }> }).environments;
    assert.equal(env?.build?.status, 'SUCCESS');
    assert.match(env.build.image, /^venv:/);
  });
});
