import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Sandbox } from '../helpers/berth-cli.ts';
import { ADMIN, TestServer } from '../helpers/berth-server.ts';
import { eventually } from '../helpers/eventually.ts';
import { HAVE_SSHD, LocalGitServer } from '../helpers/local-sshd.ts';
import { processesWith } from '../helpers/processes.ts';
import { ShellClient } from '../helpers/shell-client.ts';

const PYTHON = '/usr/bin/python3';
const hasJupyter = spawnSync(PYTHON, ['-c', 'import jupyter_server'], { stdio: 'ignore' }).status === 0;
const ENV = '51111111-2222-4333-8444-555555555555';
const PIPELINE = '61111111-2222-4333-8444-555555555555';
const STEP = '00000000-0000-4000-8000-000000000001';

/** A project in git: pipeline p.orchest (one script step) and a Python environment. */
const repoFiles = {
  'p.orchest': JSON.stringify({
    name: 'p', uuid: PIPELINE, version: '1.2.3', parameters: {}, settings: {}, services: {},
    steps: { [STEP]: { uuid: STEP, title: 'A', file_path: 'a.py', environment: '', incoming_connections: [], parameters: {}, kernel: { name: 'python', display_name: 'Python 3' }, meta_data: { position: [0, 0], hidden: false } } },
  }),
  'a.py': 'print("a")\n',
  [`.orchest/environments/${ENV}/properties.json`]: JSON.stringify({ uuid: ENV, name: 'git-env', language: 'python', base_image: 'orchest/base-kernel-py' }),
  [`.orchest/environments/${ENV}/setup_script.sh`]: '#!/bin/bash\n',
};

/** A process's environment variables (this machine's /proc; Berth's tests run as root). */
function environOf(pid: number): Record<string, string> {
  return Object.fromEntries(readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0').filter(Boolean).map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]));
}

/** The session's Jupyter server process (its command names the project as root_dir). */
function jupyterOf(projectDir: string): number {
  const pids = processesWith(`--ServerApp.root_dir=${projectDir}`).filter((p) => readFileSync(`/proc/${p}/cmdline`, 'utf8').includes('jupyter'));
  assert.ok(pids.length > 0, 'the session runs a Jupyter server');
  return Math.min(...pids);
}

describe("a session's Jupyter gets the starter's git identity and an ssh-agent that lives as long as the session", { skip: (!HAVE_SSHD && 'no sshd') || (!hasJupyter && process.env.CI !== 'true' && `${PYTHON} has no jupyter_server`) }, () => {
  const t = new TestServer();
  const git = new LocalGitServer();
  let projectDir = '';
  before(async () => {
    await git.start(repoFiles);
    await t.start({ env: { BERTH_RUNTIME: 'process', BERTH_PYTHON: PYTHON } });
    assert.equal((await t.api('POST', '/api/git/keys', { body: { name: 'deploy', private_key: git.privateKey } })).status, 201);
    assert.equal((await t.api('PUT', '/api/git/identity', { body: { name: 'Ada Lovelace', email: 'ada@example.com' } })).status, 200);
    const imported = await t.api('POST', '/api/projects/import', { body: { url: git.url, name: 'nb' } });
    assert.equal(imported.status, 201, await imported.clone().text());
    projectDir = ((await imported.json()) as { path: string }).path;
  });
  after(async () => {
    await t.api('DELETE', '/api/projects/nb/pipelines/p.orchest/session').catch(() => undefined);
    await t.close();
    t.cleanup();
    await git.stop();
  });

  it('the Jupyter server has GIT_AUTHOR_*, an SSH_AUTH_SOCK whose agent holds the key, and reaches the git server; stopping the session ends the agent', async () => {
    const started = await t.api('POST', '/api/projects/nb/pipelines/p.orchest/session');
    assert.equal(started.status, 201, await started.clone().text());
    assert.ok(((await started.json()) as { jupyter: unknown }).jupyter, 'the session has Jupyter');
    const env = environOf(jupyterOf(projectDir));
    assert.equal(env.GIT_AUTHOR_NAME, 'Ada Lovelace');
    assert.equal(env.GIT_COMMITTER_EMAIL, 'ada@example.com');
    const socket = env.SSH_AUTH_SOCK!;
    assert.ok(socket && existsSync(socket), `SSH_AUTH_SOCK=${socket}`);
    assert.ok(!socket.startsWith(projectDir) && !socket.startsWith(t.home), 'the socket is in neither the project nor BERTH_HOME');
    const listed = spawnSync('ssh-add', ['-l'], { env: { PATH: process.env.PATH!, SSH_AUTH_SOCK: socket }, encoding: 'utf8' });
    assert.equal(listed.status, 0, listed.stderr);
    assert.ok(listed.stdout.includes(git.fingerprint), listed.stdout);
    // git as a notebook or terminal of this Jupyter runs it: its variables, the recorded host key, the agent.
    const remote = spawnSync('git', ['ls-remote', git.url], { env: { PATH: process.env.PATH!, HOME: '/nonexistent', SSH_AUTH_SOCK: socket, GIT_SSH_COMMAND: env.GIT_SSH_COMMAND! }, encoding: 'utf8', timeout: 60_000 });
    assert.equal(remote.status, 0, remote.stderr);
    assert.match(remote.stdout, /refs\/heads\/main/);
    const keyBody = git.privateKey.split('\n')[2]!;
    for (const name of readdirSync(projectDir, { recursive: true, encoding: 'utf8' })) {
      const p = join(projectDir, name);
      if (statSync(p).isFile()) assert.ok(!readFileSync(p, 'utf8').includes(keyBody), `no key material in ${name}`);
    }
    const agents = processesWith(socket);
    assert.equal(agents.length, 1, 'one ssh-agent serves the session');

    assert.equal((await t.api('DELETE', '/api/projects/nb/pipelines/p.orchest/session')).status, 200);
    await eventually('the agent to end with the session', () => processesWith(socket).length === 0);
    assert.ok(!existsSync(dirname(socket)), 'its folder is removed');
  });
});

describe("the ssh-agent of a workload user's shell or session serves that user and no other", { skip: (!HAVE_SSHD && 'no sshd') || (process.geteuid?.() !== 0 && 'needs root (the server drops workloads to BERTH_WORKLOAD_USER)') }, () => {
  const t = new TestServer();
  const git = new LocalGitServer();
  before(async () => {
    await git.start(repoFiles);
    chmodSync(t.root, 0o711);
    await t.start({ env: { BERTH_RUNTIME: 'process', BERTH_SINGLE_USER: '', BERTH_WORKLOAD_USER: 'berth-git-test' } });
    await t.project('rooted', repoFiles);
    assert.equal((await t.api('POST', '/api/git/keys', { body: { name: 'deploy', private_key: git.privateKey } })).status, 201);
  });
  after(async () => {
    ShellClient.closeAll();
    await t.close();
    t.cleanup();
    await git.stop();
  });

  it('ssh-add -l works in the shell (as the workload user); another user cannot reach the socket', async () => {
    const shell = new ShellClient(`${t.url.replace(/^http/, 'ws')}/api/projects/rooted/environments/git-env/shell`, { authorization: `Bearer ${ADMIN}` });
    await shell.ready();
    shell.type('echo "uid=$(id -u) sock=$SSH_AUTH_SOCK"; ssh-add -l; echo "listed=$?"\n');
    const m = await shell.expect(/uid=(\d+) sock=(\S+)/);
    assert.notEqual(m[1], '0');
    await shell.expect(new RegExp(git.fingerprint.replace(/[+/]/g, '\\$&')));
    await shell.expect(/listed=0/);
    const socket = m[2]!;
    const dir = statSync(dirname(socket));
    assert.equal(dir.uid, Number(m[1]), "the agent's folder is the workload user's");
    assert.equal(dir.mode & 0o777, 0o700);
    const stranger = spawnSync('ssh-add', ['-l'], { env: { PATH: process.env.PATH!, SSH_AUTH_SOCK: socket }, uid: 65534, gid: 65534, encoding: 'utf8' });
    assert.notEqual(stranger.status, 0, 'nobody cannot use the agent');
    assert.ok(!stranger.stdout.includes(git.fingerprint));
    shell.ws.close();
    await eventually('the shell\'s agent to end', () => processesWith(socket).length === 0);
  });

  it("a session's Jupyter, run as the workload user, can use its agent", { skip: !hasJupyter && process.env.CI !== 'true' && `${PYTHON} has no jupyter_server` }, async () => {
    const started = await t.api('POST', '/api/projects/rooted/pipelines/p.orchest/session');
    assert.equal(started.status, 201, await started.clone().text());
    try {
      const pid = jupyterOf(join(t.root, 'rooted'));
      const uid = Number(/^Uid:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]);
      assert.notEqual(uid, 0);
      const socket = environOf(pid).SSH_AUTH_SOCK!;
      const asJupyter = spawnSync('ssh-add', ['-l'], { env: { PATH: process.env.PATH!, SSH_AUTH_SOCK: socket }, uid, gid: statSync(dirname(socket)).gid, encoding: 'utf8' });
      assert.equal(asJupyter.status, 0, asJupyter.stderr);
      assert.ok(asJupyter.stdout.includes(git.fingerprint));
      assert.notEqual(spawnSync('ssh-add', ['-l'], { env: { PATH: process.env.PATH!, SSH_AUTH_SOCK: socket }, uid: 65534, gid: 65534 }).status, 0);
    } finally {
      assert.equal((await t.api('DELETE', '/api/projects/rooted/pipelines/p.orchest/session')).status, 200);
    }
  });
});

describe('an in-process session (berth session start) keeps its agent after the CLI exits, until berth session stop', { skip: (!HAVE_SSHD && 'no sshd') || (!hasJupyter && process.env.CI !== 'true' && `${PYTHON} has no jupyter_server`) }, () => {
  const box = new Sandbox();
  const git = new LocalGitServer();
  const env = { BERTH_RUNTIME: 'process', BERTH_PYTHON: PYTHON };
  before(async () => {
    await git.start({ 'README.md': 'x\n' });
    for (const [rel, text] of Object.entries(repoFiles)) box.file(rel, text);
  });
  after(async () => {
    await box.run(['session', 'stop', 'p.orchest'], { env });
    box.cleanup();
    await git.stop();
  });

  it('starts the agent with the session and stops it with the session', async () => {
    assert.equal((await box.run(['git', 'key', 'add', 'deploy', git.clientKey], { env })).code, 0);
    const started = await box.run(['session', 'start', 'p.orchest'], { env });
    assert.equal(started.code, 0, started.stderr);
    const socket = environOf(jupyterOf(box.project)).SSH_AUTH_SOCK!;
    assert.equal(processesWith(socket).length, 1, 'the agent outlived the CLI that started it');
    const listed = spawnSync('ssh-add', ['-l'], { env: { PATH: process.env.PATH!, SSH_AUTH_SOCK: socket }, encoding: 'utf8' });
    assert.ok(listed.stdout.includes(git.fingerprint), listed.stdout + listed.stderr);
    const stopped = await box.run(['session', 'stop', 'p.orchest'], { env });
    assert.equal(stopped.code, 0, stopped.stderr);
    await eventually('the agent to end with the session', () => processesWith(socket).length === 0);
    assert.ok(!existsSync(dirname(socket)));
  });
});
