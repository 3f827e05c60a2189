import { createHash, randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import { BerthError } from '../errors.ts';
import { GitKnownHostRepository } from '../store/git-known-host-repository.ts';
import type { Database, GitKnownHostsTable } from '../store/tables.ts';

/** A host key a holder's git trusts, as anyone may see it. */
export interface KnownHost {
  id: string;
  /** As known_hosts writes it: "name", or "[name]:port" off port 22. */
  host: string;
  type: string;
  /** As `ssh-keygen -l` prints it: SHA256:<base64>. */
  fingerprint: string;
  /** "type base64", a known_hosts line without its host. */
  public_key: string;
  created_at: string;
}

const KEY_TYPES = new Set([
  'ssh-ed25519', 'ssh-rsa', 'ssh-dss', 'ecdsa-sha2-nistp256', 'ecdsa-sha2-nistp384', 'ecdsa-sha2-nistp521',
  'sk-ssh-ed25519@openssh.com', 'sk-ecdsa-sha2-nistp256@openssh.com',
]);
const NAME = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,252}$/;
const IPV6 = /^[0-9A-Fa-f]*:[0-9A-Fa-f:.]*$/;

/**
 * A host as known_hosts names it, from "name", "name:port" or "[name]:port" (port 22 is left out):
 * never an option ("-…"), never whitespace, a comma, a wildcard or a control character. 400 naming `host`.
 */
export function knownHostName(input: unknown): string {
  const text = typeof input === 'string' ? input : '';
  const m = /^\[([^\]]+)\]:(\d{1,5})$/.exec(text) ?? /^([^:[\]]+):(\d{1,5})$/.exec(text) ?? (/^[^[\]]+$/.test(text) ? [text, text, '22'] : null);
  const name = m?.[1] ?? '';
  const port = Number(m?.[2] ?? 0);
  if (!m || !(NAME.test(name) || (IPV6.test(name) && name.includes(':'))) || port < 1 || port > 65535) {
    throw invalid('host', `"${text.slice(0, 100).replace(/[\0-\x1f\x7f]/g, '?')}" is not a host name`, 'a host name or address, optionally with its port: github.com, git.example.com:2222, [127.0.0.1]:2222');
  }
  const host = name.toLowerCase();
  return port === 22 ? host : `[${host}]:${port}`;
}

/** The known_hosts name of an SSH git URL's host (ssh://, git+ssh://, scp-like user@host:path); null for other URLs. */
export function sshHostOf(url: string): string | null {
  const m = /^(?:ssh|git\+ssh):\/\/(?:[^@/]*@)?(\[[^\]]+\]|[^:/]+)(?::(\d+))?\//.exec(url);
  const scp = m ? null : /^(?:[^@/:]+@)?([^:/]+):/.exec(url);
  if (!m && (!scp || /^[a-z+]+:\/\//.test(url))) return null;
  const host = (m?.[1] ?? scp![1]!).replace(/^\[(.*)\]$/, '$1');
  try {
    return knownHostName(`[${host}]:${m?.[2] ?? '22'}`);
  } catch {
    return null;
  }
}

/** "type base64 [comment]" checked (the blob must be a key of that type); 400 naming `field`. */
export function parseHostKey(input: unknown, field = 'key'): { type: string; blob: string; fingerprint: string } {
  const text = typeof input === 'string' ? input.trim() : '';
  const [type = '', blob = '', ...comment] = text.split(/[ \t]+/);
  const bytes = Buffer.from(blob, 'base64');
  const ok = text.length <= 16 * 1024 && !/[\0-\x08\n-\x1f\x7f]/.test(text) && KEY_TYPES.has(type) && /^[A-Za-z0-9+/]+={0,2}$/.test(blob)
    && bytes.length > 4 + type.length && bytes.readUInt32BE(0) === type.length && bytes.subarray(4, 4 + type.length).toString('latin1') === type && comment.every((c) => c.length < 1024);
  if (!ok) {
    throw invalid(field, 'not an SSH public host key ("TYPE BASE64", one line)', 'a line of `ssh-keyscan HOST` without its host, e.g. "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAA…"');
  }
  return { type, blob, fingerprint: fingerprintOf(blob) };
}

/** `ssh-keyscan` output: one {host, key} per host of each line (comments and blank lines skipped); 400 naming `line N`. */
export function parseKeyscan(text: string): Array<{ host: string; key: string }> {
  const found: Array<{ host: string; key: string }> = [];
  text.split('\n').forEach((raw, i) => {
    const line = raw.trim();
    if (!line || line.startsWith('#')) return;
    const [hosts = '', ...key] = line.split(/[ \t]+/);
    if (hosts.startsWith('|')) throw invalid(`line ${i + 1}`, 'a hashed host name', 'run ssh-keyscan without -H');
    for (const host of hosts.split(',')) found.push({ host: knownHostName(host), key: key.join(' ') });
  });
  if (found.length === 0) throw invalid('key', 'no host key given', 'e.g. ssh-keyscan -p 2222 git.example.com | berth git known-hosts add');
  return found;
}

/** SHA256:<base64 without padding> of a key blob, as ssh-keygen -l prints it. */
export function fingerprintOf(blob: string): string {
  return `SHA256:${createHash('sha256').update(Buffer.from(blob, 'base64')).digest('base64').replace(/=+$/, '')}`;
}

/**
 * The SSH host keys each token holder's git trusts: trust on first use, as OpenSSH's
 * StrictHostKeyChecking=accept-new, but remembered — a key first seen by an import is kept, and a
 * host showing another key of that type later is refused (`hostKeyChanged`) until the user removes it.
 */
export class GitKnownHosts {
  readonly #rows: GitKnownHostRepository;

  constructor(db: Kysely<Database>) {
    this.#rows = new GitKnownHostRepository(db);
  }

  async list(holder: string): Promise<KnownHost[]> {
    return (await this.#rows.list(holder)).map(view);
  }

  /** Trusts `key` for `host` (the same key again: no change); 409 when another key of its type is trusted. */
  async add(holder: string, input: { host: unknown; key: unknown }): Promise<KnownHost> {
    const host = knownHostName(input.host);
    const key = parseHostKey(input.key);
    const row: GitKnownHostsTable = { id: randomUUID(), holder, host, key_type: key.type, public_key: key.blob, fingerprint: key.fingerprint, created_at: new Date().toISOString() };
    if (await this.#rows.add(row)) return view(row);
    const have = (await this.#rows.list(holder)).find((r) => r.host === host && r.key_type === key.type)!;
    if (have.public_key === key.blob) return view(have);
    throw new BerthError('BERTH_E_CONFLICT', `you already trust another ${key.type} key for ${host} (${have.fingerprint})`, {
      problems: [{ path: 'key', message: 'another key of this type is trusted for the host', fix: `if the host's key really changed: berth git known-hosts remove ${host}, then add the new one` }],
    });
  }

  async remove(holder: string, hostInput: string): Promise<number> {
    const host = knownHostName(hostInput);
    const removed = await this.#rows.remove(holder, host);
    if (removed > 0) return removed;
    throw new BerthError('BERTH_E_KNOWN_HOST_NOT_FOUND', `you trust no key for ${host}`, { problems: [{ path: 'host', message: 'no known host of this token', fix: 'see `berth git known-hosts list`' }] });
  }

  /** The holder's known_hosts file content. */
  async fileText(holder: string): Promise<string> {
    return (await this.#rows.list(holder)).map((r) => `${r.host} ${r.key_type} ${r.public_key}\n`).join('');
  }

  /** Remembers the keys ssh accepted on first use into a known_hosts file written from `fileText` (malformed lines are ignored). */
  async remember(holder: string, text: string): Promise<void> {
    for (const line of text.split('\n')) {
      const [host, type, blob] = line.trim().split(/\s+/);
      if (!host || !type || !blob) continue;
      try {
        await this.add(holder, { host: host.split(',')[0], key: `${type} ${blob}` });
      } catch {
        // Not a line Berth trusts (or a conflicting one: the stored key wins).
      }
    }
  }

  /**
   * When ssh's output says the host showed a key other than the one trusted (REMOTE HOST
   * IDENTIFICATION HAS CHANGED), a 409 naming the host, the fingerprint seen and the one stored,
   * and the fix; null otherwise.
   */
  async hostKeyChanged(holder: string, sshOutput: string): Promise<BerthError | null> {
    const changed = /Host key for (\S+) has changed/.exec(sshOutput);
    // A known host showing only a key of another type (strict checking, as imports use for known hosts).
    const otherType = /No (\S+) host key is known for (\S+) and you have requested strict/.exec(sshOutput);
    if (!changed && !otherType) return null;
    const host = changed?.[1] ?? otherType![2]!;
    const seen = otherType ? `a ${otherType[1]} key` : (/key sent by the remote host is\s+(SHA256:[A-Za-z0-9+/]+)/.exec(sshOutput)?.[1] ?? 'an unknown key');
    const stored = (await this.#rows.list(holder)).filter((r) => r.host === host).map((r) => r.fingerprint);
    return new BerthError('BERTH_E_GIT_HOST_KEY_CHANGED', `the SSH host key of ${host} has changed: the server showed ${seen}, you trust ${stored.join(', ') || 'another key'}; nothing was cloned`, {
      problems: [{ path: 'host', message: `${host} showed ${seen}, stored ${stored.join(', ') || '?'}`, fix: `if the server's key really changed (check with its administrator), run \`berth git known-hosts remove ${host}\` and import again` }],
    });
  }
}

function view(row: GitKnownHostsTable): KnownHost {
  return { id: row.id, host: row.host, type: row.key_type, fingerprint: row.fingerprint, public_key: `${row.key_type} ${row.public_key}`, created_at: row.created_at };
}

function invalid(path: string, message: string, fix: string): BerthError {
  return new BerthError('BERTH_E_INVALID_ARGUMENT', `${path}: ${message}`, { problems: [{ path, message, fix }] });
}
