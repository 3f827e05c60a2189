import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Sandbox } from '../helpers/berth-cli.ts';
import { ADMIN, TestServer } from '../helpers/berth-server.ts';
import { HAVE_SSHD, LocalGitServer } from '../helpers/local-sshd.ts';

describe('berth git and berth project import', { skip: !HAVE_SSHD }, () => {
  const box = new Sandbox();
  const git = new LocalGitServer();
  const server = new TestServer();
  before(async () => {
    await git.start({ 'README.md': 'cli import\n' });
    await server.start();
  });
  after(async () => {
    await server.close();
    server.cleanup();
    await git.stop();
    box.cleanup();
  });

  it('stores a key (listed by fingerprint only) and imports a project over SSH in-process', async () => {
    const added = await box.run(['git', 'key', 'add', 'deploy', git.clientKey]);
    assert.equal(added.code, 0, added.stderr);
    assert.match(added.stdout, new RegExp(`ssh-ed25519 ${git.fingerprint.replace(/[+/]/g, '\\$&')}`));
    const listed = await box.run(['git', 'key', 'list', '--json']);
    assert.equal(listed.code, 0, listed.stderr);
    assert.deepEqual(JSON.parse(listed.stdout).keys.map((k: { name: string; fingerprint: string }) => [k.name, k.fingerprint]), [['deploy', git.fingerprint]]);
    assert.ok(!listed.stdout.includes(git.privateKey.split('\n')[2]!));
    const imported = await box.run(['project', 'import', git.url, 'cloned', '--json']);
    assert.equal(imported.code, 0, imported.stderr);
    const project = JSON.parse(imported.stdout) as { path: string };
    assert.equal(readFileSync(join(project.path, 'README.md'), 'utf8'), 'cli import\n');
    const known = await box.run(['git', 'known-hosts', 'list', '--json']);
    assert.equal(known.code, 0, known.stderr);
    assert.deepEqual(JSON.parse(known.stdout).known_hosts.map((h: { host: string; fingerprint: string }) => [h.host, h.fingerprint]), [[git.knownHost, git.hostFingerprint]]);
    const again = await box.run(['project', 'import', git.url, 'cloned']);
    assert.equal(again.code, 2);
    const bad = await box.run(['git', 'key', 'add', 'junk', join(git.root, 'authorized_keys')]);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /private_key/);
    assert.equal((await box.run(['git', 'key', 'remove', 'deploy'])).code, 0);
    const denied = await box.run(['project', 'import', git.url, 'without-key']);
    assert.equal(denied.code, 1);
    assert.match(denied.stderr, /git clone .* failed/);
    assert.ok(!existsSync(join(box.home, 'projects', 'without-key')), 'a failed clone leaves nothing');
  });

  it('lists, removes and adds known hosts (from ssh-keyscan output on stdin), refusing a changed key with the fix', async () => {
    const table = await box.run(['git', 'known-hosts', 'list']);
    assert.match(table.stdout, new RegExp(`\\[127\\.0\\.0\\.1\\]:${git.port} +ssh-ed25519 +${git.hostFingerprint.replace(/[+/]/g, '\\$&')}`));
    assert.equal((await box.run(['git', 'key', 'add', 'deploy', git.clientKey])).code, 0);
    await git.changeHostKey();
    const refused = await box.run(['project', 'import', git.url, 'changed']);
    assert.equal(refused.code, 1, refused.stderr);
    assert.match(refused.stderr, /BERTH_E_GIT_HOST_KEY_CHANGED/);
    assert.ok(refused.stderr.includes(`berth git known-hosts remove ${git.knownHost}`), refused.stderr);
    assert.ok(refused.stderr.includes(git.hostFingerprint), refused.stderr);
    assert.ok(!existsSync(join(box.home, 'projects', 'changed')));
    assert.equal((await box.run(['git', 'known-hosts', 'remove', git.knownHost])).code, 0);
    assert.equal((await box.run(['git', 'known-hosts', 'remove', git.knownHost])).code, 2);
    const scan = execFileSync('ssh-keyscan', ['-t', 'ed25519', '-p', String(git.port), '127.0.0.1'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    const added = await box.run(['git', 'known-hosts', 'add'], { input: scan });
    assert.equal(added.code, 0, added.stderr);
    assert.ok(added.stdout.includes(git.hostFingerprint), added.stdout);
    const imported = await box.run(['project', 'import', git.url, 'changed']);
    assert.equal(imported.code, 0, imported.stderr);
    const bad = await box.run(['git', 'known-hosts', 'add', 'host\nx', 'ssh-ed25519', 'AAAA']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /host/);
  });

  it('sets and shows the token\'s identity on a server', async () => {
    const remote = { BERTH_ENDPOINT: server.url, BERTH_TOKEN: ADMIN };
    const set = await box.run(['git', 'identity', 'set', 'Grace Hopper', 'grace@example.com'], { env: remote });
    assert.equal(set.code, 0, set.stderr);
    const shown = await box.run(['git', 'identity', 'show', '--json'], { env: remote });
    assert.equal(JSON.parse(shown.stdout).identity.email, 'grace@example.com');
    const bad = await box.run(['git', 'identity', 'set', 'Grace', 'no-at-sign'], { env: remote });
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /email/);
  });
});
