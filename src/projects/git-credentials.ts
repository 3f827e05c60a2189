import { spawnSync } from 'node:child_process';
import { createHash, randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Kysely } from 'kysely';
import { BerthError } from '../errors.ts';
import { GitCredentialRepository } from '../store/git-credential-repository.ts';
import type { Database } from '../store/tables.ts';
import type { SecretBox } from './env-vars.ts';
import { startGitAgent, type AgentOwner, type GitAgent } from './git-agent.ts';
import { GitKnownHosts, sshHostOf } from './git-known-hosts.ts';

/** The holder of the in-process CLI's credentials (no token). */
export const LOCAL_HOLDER = 'local';
const MAX_KEY_BYTES = 16 * 1024;
const KEY_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

export interface GitIdentity {
  name: string;
  email: string;
  updated_at: string;
}

/** A stored key as anyone may see it: never the private key. */
export interface GitKeyInfo {
  id: string;
  name: string;
  /** As `ssh-keygen -l` prints it: SHA256:<base64>. */
  fingerprint: string;
  /** The key type (ssh-ed25519, ssh-rsa, ecdsa-sha2-…). */
  type: string;
  public_key: string;
  created_at: string;
}

/**
 * Git as Orchest had it: each token holder's git identity and SSH private keys. Keys are checked with
 * `ssh-keygen -y` (an unencrypted OpenSSH or PEM private key), sealed with the install key at rest,
 * and leave this class only as a temporary 0600 file for one git command (`withSsh`, removed after)
 * or loaded into an ssh-agent whose socket a shell gets (`agent`): never in an answer, a log or a
 * project folder.
 */
export class GitCredentials {
  readonly #rows: GitCredentialRepository;
  readonly #key: SecretBox;
  readonly #path: string;
  /** The SSH host keys each holder trusts. */
  readonly knownHosts: GitKnownHosts;

  /** `path`: where ssh-agent and ssh-add are found (the configured PATH). */
  constructor(db: Kysely<Database>, key: SecretBox, path: string) {
    this.#rows = new GitCredentialRepository(db);
    this.#key = key;
    this.#path = path;
    this.knownHosts = new GitKnownHosts(db);
  }

  async setIdentity(holder: string, input: { name: unknown; email: unknown }): Promise<GitIdentity> {
    const name = typeof input.name === 'string' ? input.name.trim() : '';
    const email = typeof input.email === 'string' ? input.email.trim() : '';
    if (!name || name.length > 200 || /[\0\n\r<>]/.test(name)) throw invalid('name', 'a git user name: 1–200 characters, no line breaks or <>', 'e.g. "Ada Lovelace"');
    if (email.length > 254 || !/^[^\s@<>]+@[^\s@<>]+$/.test(email)) throw invalid('email', 'an e-mail address (one @, no spaces or <>)', 'e.g. ada@example.com');
    const updated_at = new Date().toISOString();
    await this.#rows.setIdentity({ holder, name, email, updated_at });
    return { name, email, updated_at };
  }

  async identity(holder: string): Promise<GitIdentity | null> {
    const row = await this.#rows.identity(holder);
    return row ? { name: row.name, email: row.email, updated_at: row.updated_at } : null;
  }

  async addKey(holder: string, input: { name: unknown; private_key: unknown }): Promise<GitKeyInfo> {
    const name = typeof input.name === 'string' ? input.name : '';
    if (!KEY_NAME.test(name)) throw invalid('name', 'a key name: letters, digits, ".", "_", "-" (1–64, starting with a letter or digit)', 'e.g. github-deploy');
    const text = typeof input.private_key === 'string' ? input.private_key : '';
    if (!text.trim() || Buffer.byteLength(text) > MAX_KEY_BYTES || text.includes('\0') || !/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(text)) {
      throw invalid('private_key', 'not an SSH private key (-----BEGIN … PRIVATE KEY-----, at most 16 KiB)', 'paste the whole private key file, e.g. the content of ~/.ssh/id_ed25519');
    }
    const publicKey = publicKeyOf(text.endsWith('\n') ? text : `${text}\n`, this.#path);
    const [type, blob] = publicKey.split(/\s+/);
    const fingerprint = `SHA256:${createHash('sha256').update(Buffer.from(blob!, 'base64')).digest('base64').replace(/=+$/, '')}`;
    const row = { id: randomUUID(), holder, name, fingerprint, public_key: `${type} ${blob}`, private_key: this.#key.seal(text.endsWith('\n') ? text : `${text}\n`), created_at: new Date().toISOString() };
    if (!(await this.#rows.addKey(row))) {
      throw new BerthError('BERTH_E_CONFLICT', `you already have a key named "${name}"`, { problems: [{ path: 'name', message: 'taken', fix: 'choose another name, or remove the old key first' }] });
    }
    return info(row);
  }

  async listKeys(holder: string): Promise<GitKeyInfo[]> {
    return (await this.#rows.keys(holder)).map(info);
  }

  async removeKey(holder: string, ref: string): Promise<void> {
    if (await this.#rows.removeKey(holder, ref)) return;
    throw new BerthError('BERTH_E_GIT_KEY_NOT_FOUND', `you have no git key "${ref}"`, { problems: [{ path: 'key', message: 'no such key of this token', fix: 'see `berth git key list`' }] });
  }

  /** The variables that give git the holder's identity (none without one). */
  async identityEnv(holder: string): Promise<Record<string, string>> {
    const id = await this.identity(holder);
    return id ? { GIT_AUTHOR_NAME: id.name, GIT_AUTHOR_EMAIL: id.email, GIT_COMMITTER_NAME: id.name, GIT_COMMITTER_EMAIL: id.email } : {};
  }

  /**
   * Runs `fn` with GIT_SSH_COMMAND using the holder's keys: written to a private temporary folder
   * (0700, files 0600) removed when `fn` ends, whatever happens. The holder's known hosts are its
   * known_hosts: the host of `url` seen for the first time is accepted and remembered, a known one is
   * checked strictly (a changed key, or one of another type, is refused: `explain` turns ssh's
   * complaint into BERTH_E_GIT_HOST_KEY_CHANGED).
   */
  async withSsh<T>(holder: string, url: string, fn: (env: Record<string, string>, explain: (sshOutput: string) => Promise<BerthError | null>) => Promise<T>): Promise<T> {
    const keys = await this.#rows.keys(holder);
    // A host the holder trusts already is checked strictly (no first-use acceptance of any kind for it).
    const host = sshHostOf(url);
    const known = host !== null && (await this.knownHosts.list(holder)).some((h) => h.host === host);
    const dir = mkdtempSync(join(tmpdir(), 'berth-git-'));
    const knownHosts = join(dir, 'known_hosts');
    writeFileSync(knownHosts, await this.knownHosts.fileText(holder), { mode: 0o600 });
    try {
      const files = keys.map((k, i) => {
        const file = join(dir, `key-${i}`);
        writeFileSync(file, this.#key.open(k.private_key), { mode: 0o600 });
        return file;
      });
      const ssh = ['ssh', '-F', '/dev/null', '-o', 'IdentitiesOnly=yes', '-o', 'BatchMode=yes', '-o', `StrictHostKeyChecking=${known ? 'yes' : 'accept-new'}`, '-o', `UserKnownHostsFile=${knownHosts}`, '-o', 'GlobalKnownHostsFile=/dev/null', '-o', 'HashKnownHosts=no', '-o', 'CheckHostIP=no', ...files.flatMap((f) => ['-i', f])];
      const env = { GIT_SSH_COMMAND: ssh.map((a) => (/^[\w./=:-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`)).join(' '), GIT_TERMINAL_PROMPT: '0' };
      return await fn(env, (out) => this.knownHosts.hostKeyChanged(holder, out));
    } finally {
      // Hosts met for the first time (ssh appended them) are trusted from now on.
      await this.knownHosts.remember(holder, readFileSync(knownHosts, 'utf8')).catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    }
  }

  /**
   * An ssh-agent holding the holder's keys (added through stdin, never written to disk) beside a
   * known_hosts of the holder's trusted hosts, usable by `owner` only; null without keys.
   */
  async agent(holder: string, opts: { owner?: AgentOwner; detached?: boolean } = {}): Promise<GitAgent | null> {
    const keys = await this.#rows.keys(holder);
    if (keys.length === 0) return null;
    return startGitAgent({ keys: keys.map((k) => ({ name: k.name, privateKey: this.#key.open(k.private_key) })), knownHosts: await this.knownHosts.fileText(holder), path: this.#path, ...opts });
  }
}

function info(row: { id: string; name: string; fingerprint: string; public_key: string; created_at: string }): GitKeyInfo {
  return { id: row.id, name: row.name, fingerprint: row.fingerprint, type: row.public_key.split(' ')[0] ?? '', public_key: row.public_key, created_at: row.created_at };
}

/** The public key of an unencrypted private key (ssh-keygen -y), or 400 naming private_key. */
function publicKeyOf(text: string, path: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'berth-key-'));
  try {
    const file = join(dir, 'key');
    writeFileSync(file, text, { mode: 0o600 });
    const out = spawnSync('ssh-keygen', ['-y', '-P', '', '-f', file], { encoding: 'utf8', timeout: 10_000, env: { PATH: path } });
    if (out.error) {
      throw new BerthError('BERTH_E_SHELL_UNAVAILABLE', `cannot check SSH keys: ssh-keygen is missing (${out.error.message})`, { problems: [{ path: 'ssh-keygen', message: 'not installed', fix: 'install openssh-client on the server' }] });
    }
    const pub = out.stdout.trim();
    if (out.status !== 0 || !/^[a-z0-9@.-]+ [A-Za-z0-9+/=]+/.test(pub)) {
      const encrypted = /passphrase|incorrect/i.test(out.stderr);
      throw invalid('private_key', encrypted ? 'the key is protected by a passphrase' : 'not a valid SSH private key', encrypted ? 'store a key without a passphrase (ssh-keygen -p -N "" -f KEY on a copy), e.g. a deploy key' : 'paste the whole private key file (OpenSSH or PEM format)');
    }
    return pub;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function invalid(path: string, message: string, fix: string): BerthError {
  return new BerthError('BERTH_E_INVALID_ARGUMENT', `${path}: ${message}`, { problems: [{ path, message, fix }] });
}
