import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ADMIN, TestServer } from '../helpers/berth-server.ts';
import { eventually } from '../helpers/eventually.ts';
import { HAVE_SSHD, LocalGitServer } from '../helpers/local-sshd.ts';
import { ShellClient } from '../helpers/shell-client.ts';

const ENV = '41111111-2222-4333-8444-555555555555';

describe('git identity, SSH keys, import over SSH and push from a shell', { skip: !HAVE_SSHD }, () => {
  const t = new TestServer();
  const git = new LocalGitServer();
  let keyBody = '';
  before(async () => {
    await git.start({
      'README.md': 'from git\n',
      [`.orchest/environments/${ENV}/properties.json`]: JSON.stringify({ uuid: ENV, name: 'git-env', language: 'python', base_image: 'orchest/base-kernel-py' }),
      [`.orchest/environments/${ENV}/setup_script.sh`]: '#!/bin/bash\n',
    });
    // A line of the key's base64 body: it must never appear in an answer or a log.
    keyBody = git.privateKey.split('\n')[2]!;
    await t.start({ env: { BERTH_RUNTIME: 'process' } });
    await t.project('other');
  });
  after(async () => {
    ShellClient.closeAll();
    await t.close();
    t.cleanup();
    await git.stop();
  });

  it('stores a key sealed (only its fingerprint and public key come back) and refuses malformed input naming the field', async () => {
    const added = await t.api('POST', '/api/git/keys', { body: { name: 'deploy', private_key: git.privateKey } });
    const text = await added.text();
    assert.equal(added.status, 201, text);
    assert.ok(!text.includes(keyBody));
    assert.equal(JSON.parse(text).fingerprint, git.fingerprint);
    const listed = await (await t.api('GET', '/api/git/keys')).text();
    assert.ok(!listed.includes(keyBody));
    assert.deepEqual(JSON.parse(listed).keys.map((k: { name: string; type: string }) => [k.name, k.type]), [['deploy', 'ssh-ed25519']]);
    const db = readFileSync(join(t.home, 'berth.db'));
    assert.ok(!db.includes(Buffer.from(keyBody)), 'the key is sealed at rest');

    const bad = async (path: string, body: unknown, field: string, method = 'POST') => {
      const res = await t.api(method, path, { body });
      const err = (await res.json()) as { error: { problems: Array<{ path: string }> } };
      assert.equal(res.status, 400, JSON.stringify(err));
      assert.equal(err.error.problems[0]!.path.replace(/^\/?(body\/)?/, ''), field, JSON.stringify(err));
    };
    await bad('/api/git/keys', { name: 'junk', private_key: '-----BEGIN OPENSSH PRIVATE KEY-----\nAAAA\n-----END OPENSSH PRIVATE KEY-----\n' }, 'private_key');
    await bad('/api/git/keys', { name: 'junk', private_key: 'hello' }, 'private_key');
    await bad('/api/git/keys', { name: '../x', private_key: git.privateKey }, 'name');
    await bad('/api/git/identity', { name: 'Ada', email: 'not an email' }, 'email', 'PUT');
    await bad('/api/git/identity', { name: '', email: 'ada@example.com' }, 'name', 'PUT');
    assert.equal((await t.api('POST', '/api/git/keys', { body: { name: 'deploy', private_key: git.privateKey } })).status, 409);
  });

  it('keeps each token\'s credentials its own, and imports only with an admin token', async () => {
    const other = (await t.token('other')).token;
    assert.deepEqual(((await (await t.api('GET', '/api/git/keys', { token: other })).json()) as { keys: unknown[] }).keys, []);
    assert.equal((await t.api('DELETE', '/api/git/keys/deploy', { token: other })).status, 404);
    assert.equal((await t.api('POST', '/api/projects/import', { token: other, body: { url: git.url } })).status, 403);
    assert.equal((await t.api('GET', '/api/git/keys', { token: null })).status, 401);
    const badUrl = await t.api('POST', '/api/projects/import', { body: { url: '--upload-pack=touch /tmp/pwned' } });
    assert.equal(badUrl.status, 400);
    assert.equal(((await badUrl.json()) as { error: { problems: Array<{ path: string }> } }).error.problems[0]!.path, 'url');
  });

  it('imports a project over SSH with the stored key, and pushes from an environment shell with the identity and the agent', async () => {
    const res = await t.api('POST', '/api/projects/import', { body: { url: git.url, name: 'from-git' } });
    const project = (await res.json()) as { name: string; path: string };
    assert.equal(res.status, 201, JSON.stringify(project));
    assert.equal(readFileSync(join(project.path, 'README.md'), 'utf8'), 'from git\n');
    assert.ok(!existsSync(join(project.path, 'key-0')));
    assert.equal((await t.api('PUT', '/api/git/identity', { body: { name: 'Ada Lovelace', email: 'ada@example.com' } })).status, 200);

    const shell = new ShellClient(`${t.url.replace(/^http/, 'ws')}/api/projects/from-git/environments/git-env/shell`, { authorization: `Bearer ${ADMIN}` });
    await shell.ready();
    shell.type('test -S "$SSH_AUTH_SOCK" && echo agent-ok; ls -a /project-dir | grep -c key- ; echo "id=$GIT_AUTHOR_NAME"\n');
    await shell.expect(/agent-ok/);
    await shell.expect(/id=Ada Lovelace/);
    // The host key the import recorded reaches the shell (GIT_SSH_COMMAND's known_hosts): no prompt, no override.
    shell.type('grep -c "127.0.0.1" "${GIT_SSH_COMMAND##*UserKnownHostsFile=}" 2>/dev/null; echo pushed > pushed.txt && git add pushed.txt && git commit -q -m "from the shell" && git push -q origin HEAD:main && echo "push-done=$?"\n');
    await shell.expect(/push-done=0/, 120_000);
    assert.deepEqual(git.log()[0], 'Ada Lovelace <ada@example.com>: from the shell');
    shell.ws.close();
    await eventually('the shell to close', () => shell.closed);
    assert.ok(!t.logs.some((l) => l.includes(keyBody)), 'no key material in the logs');
  });
});
