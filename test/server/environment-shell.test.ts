import assert from 'node:assert/strict';
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ADMIN, TestServer } from '../helpers/berth-server.ts';
import { eventually } from '../helpers/eventually.ts';
import { ShellClient } from '../helpers/shell-client.ts';
import { Receiver } from '../helpers/receiver.ts';

const ENV = '11111111-2222-4333-8444-555555555555';
const envFiles = {
  [`.orchest/environments/${ENV}/properties.json`]: JSON.stringify({ uuid: ENV, name: 'py-shell', language: 'python', base_image: 'orchest/base-kernel-py', gpu_support: false }),
  [`.orchest/environments/${ENV}/setup_script.sh`]: '#!/bin/bash\n',
};

/** The process is gone (or a zombie nobody needs). */
function gone(pid: number): boolean {
  if (!existsSync(`/proc/${pid}`)) return true;
  try {
    return /\) [ZX] /.test(readFileSync(`/proc/${pid}/stat`, 'latin1'));
  } catch {
    return true;
  }
}

describe('environment shells over the websocket (process runtime)', () => {
  const t = new TestServer();
  let wsBase = '';
  let betaToken = '';
  let alphaToken = '';
  before(async () => {
    await t.start({ env: { BERTH_RUNTIME: 'process' } });
    const alpha = await t.project('alpha', envFiles);
    writeFileSync(join(alpha.path, 'marker.txt'), 'in the project\n');
    await t.project('beta');
    alphaToken = (await t.token('alpha')).token;
    betaToken = (await t.token('beta')).token;
    wsBase = t.url.replace(/^http/, 'ws');
  });
  after(async () => {
    ShellClient.closeAll();
    await t.close();
    t.cleanup();
  });

  it('runs an interactive shell in the activated environment with the project and data mounted, echoing output', async () => {
    const shell = new ShellClient(`${wsBase}/api/projects/alpha/environments/py-shell/shell?cols=100&rows=30`, { authorization: `Bearer ${alphaToken}` });
    assert.equal((await shell.upgradeStatus()).status, 101);
    await shell.ready();
    shell.type('echo "result=$((6*7))"; echo "venv=$(command -v python)"; pwd; cat /project-dir/marker.txt; test -d /data && echo data-ok; stty size\n');
    await shell.expect(/result=42/);
    const venv = (await shell.expect(/venv=(\/\S+)/))[1]!;
    assert.ok(venv.startsWith(join(t.home, 'venvs')), venv);
    await shell.expect(/\n\/project-dir\r?\n/);
    await shell.expect(/in the project/);
    await shell.expect(/data-ok/);
    await shell.expect(/30 100/);
    shell.ws.send(JSON.stringify({ type: 'resize', cols: 120, rows: 40 }));
    shell.type('stty size\n');
    await shell.expect(/40 120/);
    shell.type('exit 3\n');
    await eventually('the exit notice', () => shell.notices.find((n) => n.type === 'exit'));
    assert.deepEqual(shell.notices.find((n) => n.type === 'exit'), { type: 'exit', code: 3 });
    await eventually('the socket to close', () => shell.closed);
  });

  it('records project:environment:shell:started / stopped (with the exit code) and delivers them to a webhook subscriber', async () => {
    const receiver = new Receiver();
    const hookUrl = await receiver.listen();
    try {
      const created = await t.api('POST', '/api/webhooks', { body: { name: 'shells', url: hookUrl, subscriptions: [{ event_type: 'project:environment:shell:started' }, { event_type: 'project:environment:shell:stopped' }] } });
      assert.equal(created.status, 201, await created.clone().text());
      const shell = new ShellClient(`${wsBase}/api/projects/alpha/environments/py-shell/shell`, { authorization: `Bearer ${alphaToken}` });
      await shell.ready();
      shell.type('exit 5\n');
      await eventually('the socket to close', () => shell.closed);
      type Ev = { type: string; project: { name: string; environment?: { uuid: string; name: string; shell: { id: string; exit_code?: number | null } } } };
      const events = await eventually('the shell\'s two events', async () => {
        const page = (await (await t.api('GET', '/api/projects/alpha/events?type=project:environment:shell:', { token: alphaToken })).json()) as { events: Ev[] };
        const ours = page.events.filter((e) => e.project.environment?.shell.exit_code === 5 || e.type.endsWith(':started'));
        const stopped = ours.find((e) => e.type === 'project:environment:shell:stopped' && e.project.environment?.shell.exit_code === 5);
        return stopped ? { stopped, started: ours.find((e) => e.type === 'project:environment:shell:started' && e.project.environment!.shell.id === stopped.project.environment!.shell.id) } : undefined;
      });
      assert.ok(events.started, 'a started event with the same shell id');
      assert.deepEqual(events.stopped.project.environment!.name, 'py-shell');
      assert.equal(events.stopped.project.environment!.uuid, ENV);
      assert.equal(events.started!.project.name, 'alpha');
      await receiver.waitFor((r) => r.some((x) => x.body.includes('"exit_code":5')), 'the stopped event delivered to the webhook', 60_000);
      const delivered = receiver.received.map((r) => (JSON.parse(r.body) as { event: { type: string } }).event.type);
      assert.ok(delivered.includes('project:environment:shell:started') && delivered.includes('project:environment:shell:stopped'), delivered.join(', '));
    } finally {
      await t.api('DELETE', '/api/webhooks/shells').catch(() => undefined);
      await receiver.close();
    }
  });

  it('ends the shell and what it started when the socket closes', async () => {
    const shell = new ShellClient(`${wsBase}/api/projects/alpha/environments/${ENV}/shell`, { authorization: `Bearer ${ADMIN}` });
    await shell.ready();
    shell.type('sleep 1000 & echo "pids=$$,$!"\n');
    const m = await shell.expect(/pids=(\d+),(\d+)/);
    const [shellPid, sleepPid] = [Number(m[1]), Number(m[2])];
    assert.ok(!gone(shellPid) && !gone(sleepPid));
    shell.ws.close();
    await eventually('the shell process to end', () => gone(shellPid));
    await eventually('its background job to end', () => gone(sleepPid));
  });

  it('refuses a missing token (401), another project\'s token (403) and an unknown environment (404), with coded errors', async () => {
    const url = `${wsBase}/api/projects/alpha/environments/py-shell/shell`;
    const none = await new ShellClient(url).upgradeStatus();
    assert.equal(none.status, 401);
    assert.equal(JSON.parse(none.body).error.code, 'BERTH_E_UNAUTHORIZED');
    const other = await new ShellClient(url, { authorization: `Bearer ${betaToken}` }).upgradeStatus();
    assert.equal(other.status, 403);
    assert.equal(JSON.parse(other.body).error.code, 'BERTH_E_FORBIDDEN');
    const wrong = await new ShellClient(url, { authorization: 'Bearer not-a-token' }).upgradeStatus();
    assert.equal(wrong.status, 401);
    const unknown = await new ShellClient(`${wsBase}/api/projects/alpha/environments/nope/shell`, { authorization: `Bearer ${alphaToken}` }).upgradeStatus();
    assert.equal(unknown.status, 404);
    assert.match(JSON.parse(unknown.body).error.problems[0].fix, /py-shell/);
    // The web UI's cookie from another origin is refused (cross-site websocket hijacking).
    const login = await fetch(`${t.url}/api/session`, { method: 'POST', headers: { 'content-type': 'application/json', origin: t.url }, body: JSON.stringify({ token: ADMIN }) });
    const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0]!;
    assert.match(cookie, /=/);
    const cross = await new ShellClient(url, { cookie, origin: 'https://evil.example' }).upgradeStatus();
    assert.equal(cross.status, 403);
    const same = new ShellClient(url, { cookie, origin: t.url });
    assert.equal((await same.upgradeStatus()).status, 101);
    await same.ready();
    same.ws.close();
    assert.ok(!t.logs.some((l) => l.includes(alphaToken) || l.includes(ADMIN)), 'no token in the logs');
  });
});

describe('environment shells on a root server run as the workload user', { skip: process.geteuid?.() !== 0 && 'needs root (the server drops workloads to BERTH_WORKLOAD_USER)' }, () => {
  const t = new TestServer();
  before(async () => {
    // Project folders live where another user may pass (/tmp's mkdtemp folders are 0700).
    chmodSync(t.root, 0o711);
    await t.start({ env: { BERTH_RUNTIME: 'process', BERTH_SINGLE_USER: '', BERTH_WORKLOAD_USER: 'berth-shell-test' } });
    await t.project('rooted', envFiles);
  });
  after(async () => {
    ShellClient.closeAll();
    await t.close();
    t.cleanup();
  });

  it('drops the shell to the workload user in the project\'s group, able to write the project but not read Berth\'s store', async () => {
    const shell = new ShellClient(`${t.url.replace(/^http/, 'ws')}/api/projects/rooted/environments/py-shell/shell`, { authorization: `Bearer ${ADMIN}` });
    await shell.ready();
    shell.type(`echo "uid=$(id -u) user=$(id -un)"; touch /project-dir/written && echo write-ok; cat ${join(t.home, 'berth.db')} >/dev/null 2>&1 || echo store-refused\n`);
    const m = await shell.expect(/uid=(\d+) user=(\S+)/);
    assert.notEqual(m[1], '0');
    assert.equal(m[2], 'berth-shell-test');
    await shell.expect(/write-ok/);
    await shell.expect(/store-refused/);
    shell.ws.close();
  });
});
