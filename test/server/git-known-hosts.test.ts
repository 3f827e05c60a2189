import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { TestServer } from '../helpers/berth-server.ts';
import { HAVE_SSHD, LocalGitServer } from '../helpers/local-sshd.ts';

interface KnownHost { host: string; type: string; fingerprint: string; public_key: string }
interface ErrorBody { error: { code: string; message: string; problems: Array<{ path: string; message: string; fix?: string }> } }

describe('SSH host keys of git: remembered on first use, a changed one refused', { skip: !HAVE_SSHD }, () => {
  const t = new TestServer();
  const git = new LocalGitServer();
  before(async () => {
    await git.start({ 'README.md': 'known hosts\n' });
    await t.start({ env: { BERTH_RUNTIME: 'process' } });
    await t.project('other');
    assert.equal((await t.api('POST', '/api/git/keys', { body: { name: 'deploy', private_key: git.privateKey } })).status, 201);
  });
  after(async () => {
    await t.close();
    t.cleanup();
    await git.stop();
  });
  const hosts = async (token?: string) => ((await (await t.api('GET', '/api/git/known-hosts', { token })).json()) as { known_hosts: KnownHost[] }).known_hosts;

  it('records the host key on the first import, refuses an import from a server showing another key (nothing cloned), and imports again once the user removed it', async () => {
    assert.deepEqual(await hosts(), []);
    const first = await t.api('POST', '/api/projects/import', { body: { url: git.url, name: 'first' } });
    assert.equal(first.status, 201, await first.clone().text());
    const oldFingerprint = git.hostFingerprint;
    assert.deepEqual((await hosts()).map((h) => [h.host, h.type, h.fingerprint]), [[git.knownHost, 'ssh-ed25519', oldFingerprint]]);

    await git.changeHostKey();
    const newFingerprint = git.hostFingerprint;
    assert.notEqual(newFingerprint, oldFingerprint);
    const refused = await t.api('POST', '/api/projects/import', { body: { url: git.url, name: 'second' } });
    const err = (await refused.json()) as ErrorBody;
    assert.equal(refused.status, 409, JSON.stringify(err));
    assert.equal(err.error.code, 'BERTH_E_GIT_HOST_KEY_CHANGED');
    assert.ok(err.error.message.includes(git.knownHost), err.error.message);
    assert.ok(err.error.message.includes(newFingerprint) && err.error.message.includes(oldFingerprint), err.error.message);
    assert.ok(err.error.problems[0]!.fix!.includes(`berth git known-hosts remove ${git.knownHost}`), JSON.stringify(err));
    assert.ok(!existsSync(join(t.home, 'projects', 'second')), 'nothing was cloned');
    assert.equal((await t.api('GET', '/api/projects/second')).status, 404);
    assert.deepEqual((await hosts()).map((h) => h.fingerprint), [oldFingerprint], 'the stored key stays');

    assert.equal((await t.api('DELETE', `/api/git/known-hosts/${encodeURIComponent(git.knownHost)}`)).status, 204);
    const again = await t.api('POST', '/api/projects/import', { body: { url: git.url, name: 'second' } });
    assert.equal(again.status, 201, await again.clone().text());
    assert.equal(readFileSync(join(t.home, 'projects', 'second', 'README.md'), 'utf8'), 'known hosts\n');
    assert.deepEqual((await hosts()).map((h) => h.fingerprint), [newFingerprint]);

  });

  it('adds a key explicitly (the same again is no change, another of its type 409), and keeps each token\'s hosts its own', async () => {
    const key = readFileSync(join(git.root, 'host_key.pub'), 'utf8').trim().split(' ').slice(0, 2).join(' ');
    const added = await t.api('POST', '/api/git/known-hosts', { body: { host: 'git.example.com:2222', key: `${key} a comment` } });
    const body = (await added.json()) as KnownHost;
    assert.equal(added.status, 201, JSON.stringify(body));
    assert.deepEqual([body.host, body.fingerprint, body.public_key], ['[git.example.com]:2222', git.hostFingerprint, key]);
    assert.equal((await t.api('POST', '/api/git/known-hosts', { body: { host: '[git.example.com]:2222', key } })).status, 201);
    const other = readFileSync(git.clientKey + '.pub', 'utf8').trim();
    assert.equal((await t.api('POST', '/api/git/known-hosts', { body: { host: '[git.example.com]:2222', key: other } })).status, 409);

    const stranger = (await t.token('other')).token;
    assert.deepEqual(await hosts(stranger), []);
    assert.equal((await t.api('DELETE', `/api/git/known-hosts/${encodeURIComponent('[git.example.com]:2222')}`, { token: stranger })).status, 404);
    assert.equal((await t.api('GET', '/api/git/known-hosts', { token: null })).status, 401);
    assert.ok((await hosts()).some((h) => h.host === '[git.example.com]:2222'), 'another token removed nothing');
  });

  it('refuses host names that are options or hold line breaks, and malformed keys, naming the field', async () => {
    const key = readFileSync(join(git.root, 'host_key.pub'), 'utf8').trim();
    const bad = async (body: unknown, field: string) => {
      const res = await t.api('POST', '/api/git/known-hosts', { body });
      const err = (await res.json()) as ErrorBody;
      assert.equal(res.status, 400, JSON.stringify(err));
      assert.equal(err.error.problems[0]!.path.replace(/^\/?(body\/)?/, ''), field, JSON.stringify(err));
    };
    await bad({ host: '-oProxyCommand=touch /tmp/pwned', key }, 'host');
    await bad({ host: 'evil.example.com\n[127.0.0.1]:22', key }, 'host');
    await bad({ host: '*.example.com', key }, 'host');
    await bad({ host: 'a.example.com:99999', key }, 'host');
    await bad({ host: 'a.example.com', key: 'ssh-ed25519 AAAAB3NzaC1yc2EAAAADAQABAAABAQ' }, 'key');
    await bad({ host: 'a.example.com', key: `${key}\n[127.0.0.1]:22 ${key}` }, 'key');
    await bad({ host: 'a.example.com', key: 'ssh-rsa not-base64!' }, 'key');
    const del = await t.api('DELETE', `/api/git/known-hosts/${encodeURIComponent('-oProxyCommand=x')}`);
    assert.equal(del.status, 400);
  });

  it('refuses a known host that now shows only a key of another type', async () => {
    const trusted = (await hosts()).find((h) => h.host === git.knownHost)!.fingerprint;
    await git.changeHostKey('rsa');
    const otherType = await t.api('POST', '/api/projects/import', { body: { url: git.url, name: 'third' } });
    const otherErr = (await otherType.json()) as ErrorBody;
    assert.equal(otherType.status, 409, JSON.stringify(otherErr));
    assert.equal(otherErr.error.code, 'BERTH_E_GIT_HOST_KEY_CHANGED');
    assert.ok(otherErr.error.message.includes(trusted) && otherErr.error.message.includes(git.hostFingerprint), otherErr.error.message);
    assert.ok(!existsSync(join(t.home, 'projects', 'third')));
    assert.deepEqual((await hosts()).filter((h) => h.host === git.knownHost).map((h) => h.type), ['ssh-ed25519'], 'the other type was not remembered');
  });
});
