import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fingerprintOf, knownHostName, parseHostKey, parseKeyscan, sshHostOf } from './git-known-hosts.ts';

const ED25519 = 'AAAAC3NzaC1lZDI1NTE5AAAAIAcDHxUzl0tKwbQkbhdgpcYkEL48ZW+s9EaBr9NFE+j7';

describe('known host names and keys', () => {
  it('names hosts as known_hosts does, and refuses options, wildcards, commas and line breaks', () => {
    assert.equal(knownHostName('GitHub.com'), 'github.com');
    assert.equal(knownHostName('git.example.com:22'), 'git.example.com');
    assert.equal(knownHostName('git.example.com:2222'), '[git.example.com]:2222');
    assert.equal(knownHostName('[127.0.0.1]:2222'), '[127.0.0.1]:2222');
    assert.equal(knownHostName('[::1]:2222'), '[::1]:2222');
    for (const bad of ['-oProxyCommand=x', 'a b', 'a\nb', '*.example.com', 'a,b', '', 'host:0', 'host:65536', '[a]:x', '!host']) {
      assert.throws(() => knownHostName(bad), (e: { problems: Array<{ path: string }> }) => e.problems[0]!.path === 'host', bad);
    }
  });

  it('takes the host of an SSH git URL, none of others', () => {
    assert.equal(sshHostOf('ssh://git@127.0.0.1:2222/srv/repo.git'), '[127.0.0.1]:2222');
    assert.equal(sshHostOf('git+ssh://Git.Example.com/r.git'), 'git.example.com');
    assert.equal(sshHostOf('git@github.com:org/repo.git'), 'github.com');
    assert.equal(sshHostOf('ssh://[::1]:22/r.git'), '::1');
    assert.equal(sshHostOf('https://github.com/org/repo.git'), null);
    assert.equal(sshHostOf('file:///srv/repo.git'), null);
  });

  it('checks a key line (its blob names its type) and fingerprints it as ssh-keygen -l', () => {
    const key = parseHostKey(`ssh-ed25519 ${ED25519} comment`);
    assert.equal(key.type, 'ssh-ed25519');
    assert.equal(key.fingerprint, fingerprintOf(ED25519));
    assert.match(key.fingerprint, /^SHA256:[A-Za-z0-9+/]{43}$/);
    for (const bad of [`ssh-rsa ${ED25519}`, 'ssh-ed25519 AAAA', `ssh-ed25519 ${ED25519}\nx`, `unknown ${ED25519}`, '']) {
      assert.throws(() => parseHostKey(bad), (e: { problems: Array<{ path: string }> }) => e.problems[0]!.path === 'key', bad);
    }
  });

  it('reads ssh-keyscan output (a line per host of a comma list), refusing hashed names', () => {
    assert.deepEqual(parseKeyscan(`# 127.0.0.1:2222 SSH-2.0-OpenSSH\n[127.0.0.1]:2222 ssh-ed25519 ${ED25519}\n\ngit.example.com,10.0.0.1 ssh-ed25519 ${ED25519}\n`), [
      { host: '[127.0.0.1]:2222', key: `ssh-ed25519 ${ED25519}` },
      { host: 'git.example.com', key: `ssh-ed25519 ${ED25519}` },
      { host: '10.0.0.1', key: `ssh-ed25519 ${ED25519}` },
    ]);
    assert.throws(() => parseKeyscan(`|1|abc=|def= ssh-ed25519 ${ED25519}`), /hashed/);
    assert.throws(() => parseKeyscan('# nothing\n'), /no host key/);
  });
});
