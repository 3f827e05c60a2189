import assert from 'node:assert/strict';
import { once } from 'node:events';
import { after, describe, it } from 'node:test';
import { Sandbox } from '../helpers/berth-cli.ts';

describe('berth server (the command)', () => {
  const box = new Sandbox();
  after(() => box.cleanup());

  it('prints a generated admin token once, serves the API with it, and exits 0 on SIGTERM', async () => {
    const start = async () => {
      const child = box.spawn(['server', '--port', '0']);
      let stderr = '';
      child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
      while (!/listening on (http:\/\/\S+)/.test(stderr)) await once(child.stderr!, 'data');
      return { child, url: /listening on (http:\/\/\S+)/.exec(stderr)![1]!, stderr: () => stderr };
    };
    const first = await start();
    const token = /^\s+(berth_\S+)$/m.exec(first.stderr())?.[1];
    assert.ok(token, first.stderr());
    assert.equal((await fetch(`${first.url}/api/health`)).status, 200);
    assert.equal((await fetch(`${first.url}/api/projects`)).status, 401);
    assert.equal((await fetch(`${first.url}/api/projects`, { headers: { authorization: `Bearer ${token}` } })).status, 200);
    first.child.kill('SIGTERM');
    const [code] = await once(first.child, 'exit');
    assert.equal(code, 0);
    const second = await start();
    assert.doesNotMatch(second.stderr(), /berth_/, 'the token is printed only on the first start');
    assert.equal((await fetch(`${second.url}/api/projects`, { headers: { authorization: `Bearer ${token}` } })).status, 200);
    second.child.kill('SIGINT');
    assert.equal((await once(second.child, 'exit'))[0], 0);
  });

  it('rejects bad flags with a coded error', async () => {
    const res = await box.run(['server', '--port', 'abc']);
    assert.equal(res.code, 2);
    assert.match(res.stderr, /--port abc is not a port number.*BERTH_E_INVALID_ARGUMENT/);
    const runtime = await box.run(['server', '--port', '0', '--runtime', 'nomad']);
    assert.equal(runtime.code, 2);
    assert.match(runtime.stderr, /--runtime nomad is not a runtime this build has[\s\S]*use one of: process, docker, kubernetes/);
  });

  it('--runtime docker serves with the docker runtime, as BERTH_RUNTIME=docker does; --help lists both', async () => {
    const help = await box.run(['server', '--help']);
    assert.match(help.stdout, /--runtime process\|docker/);
    const child = box.spawn(['server', '--port', '0', '--runtime', 'docker'], { env: { BERTH_ADMIN_TOKEN: 'server-command-admin-token-0123' } });
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = once(child, 'exit');
    while (!/listening on (http:\/\/\S+)/.test(stderr) && child.exitCode === null) await Promise.race([once(child.stderr!, 'data'), exited]);
    const url = /listening on (http:\/\/\S+)/.exec(stderr)?.[1];
    assert.ok(url, stderr);
    const health = (await (await fetch(`${url}/api/health`)).json()) as { runtime: string };
    assert.equal(health.runtime, 'docker');
    child.kill('SIGTERM');
    assert.equal((await exited)[0], 0);
  });
});
