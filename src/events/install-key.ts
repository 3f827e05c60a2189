import { createCipheriv, createDecipheriv, createHmac, randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { BerthError } from '../errors.ts';

/**
 * The per-install key (BERTH_HOME/keys/install.key, mode 0600, created on first use). It seals
 * webhook secrets at rest (AES-256-GCM) and derives the telemetry salt, so neither is in the store.
 */
export class InstallKey {
  readonly #path: string;
  #key: Buffer | null = null;

  constructor(path: string) {
    this.#path = path;
  }

  seal(plain: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.#bytes(), iv);
    const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    return `v1:${Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64')}`;
  }

  open(sealed: string): string {
    const raw = Buffer.from(sealed.replace(/^v1:/, ''), 'base64');
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.#bytes(), raw.subarray(0, 12));
      decipher.setAuthTag(raw.subarray(12, 28));
      return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8');
    } catch (e) {
      throw new BerthError('BERTH_E_SECRET', `a stored secret (webhook secret or variable value) cannot be opened with ${this.#path}`, {
        cause: e,
        problems: [{ path: 'keys/install.key', message: 'the install key changed since the secret was stored', fix: 'restore the key file, or set the secret again (re-add the webhook, set the variable again)' }],
      });
    }
  }

  /** A key of its own for `purpose`, derived from the install key (servers sharing the install key share it). */
  derive(purpose: string): Buffer {
    return createHmac('sha256', this.#bytes()).update(`berth key: ${purpose}`).digest();
  }

  /** A stable per-install salt for hashing ids in telemetry. */
  telemetrySalt(): string {
    return createHmac('sha256', this.#bytes()).update('berth telemetry salt').digest('hex');
  }

  #bytes(): Buffer {
    if (this.#key) return this.#key;
    mkdirSync(dirname(this.#path), { recursive: true, mode: 0o700 });
    try {
      writeFileSync(this.#path, randomBytes(32).toString('hex'), { flag: 'wx', mode: 0o600 });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    const hex = readFileSync(this.#path, 'utf8').trim();
    if (!/^[0-9a-f]{64}$/.test(hex)) {
      throw new BerthError('BERTH_E_SECRET', `${this.#path} is not a Berth install key`, {
        problems: [{ path: 'keys/install.key', message: 'expected 64 hex characters', fix: 'restore the file from a backup (a new key cannot open stored secrets)' }],
      });
    }
    this.#key = Buffer.from(hex, 'hex');
    return this.#key;
  }
}
