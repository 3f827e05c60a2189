import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { eventually } from './eventually.ts';

export const SSHD = '/usr/sbin/sshd';
export const HAVE_SSHD = existsSync(SSHD);
if (!HAVE_SSHD && process.env.CI) throw new Error(`${SSHD} is missing: CI installs Debian's openssh-server (.ci/run)`);
if (!HAVE_SSHD) console.log(`# skipped: the git tests need ${SSHD} (apt-get install openssh-server)`);

async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as { port: number }).port;
  await new Promise((r) => srv.close(r));
  return port;
}

/**
 * A real OpenSSH server on 127.0.0.1 (a free port), accepting only `clientKey` for the current user,
 * and a bare git repository it serves; a client key pair made with ssh-keygen.
 */
export class LocalGitServer {
  readonly root = mkdtempSync(join(tmpdir(), 'berth-sshd-'));
  readonly repo = join(this.root, 'repo.git');
  readonly clientKey = join(this.root, 'client');
  port = 0;
  #sshd: ChildProcess | undefined;

  get url(): string {
    return `ssh://${userInfo().username}@127.0.0.1:${this.port}${this.repo}`;
  }

  get privateKey(): string {
    return readFileSync(this.clientKey, 'utf8');
  }

  get fingerprint(): string {
    return execFileSync('ssh-keygen', ['-l', '-E', 'sha256', '-f', `${this.clientKey}.pub`], { encoding: 'utf8' }).split(' ')[1]!;
  }

  /** Starts sshd; `files` seed the repository's first commit. */
  async start(files: Record<string, string>): Promise<this> {
    const git = (args: string[], cwd?: string) => execFileSync('git', args, { cwd, stdio: 'pipe', env: { ...process.env, GIT_AUTHOR_NAME: 'seed', GIT_AUTHOR_EMAIL: 'seed@example.com', GIT_COMMITTER_NAME: 'seed', GIT_COMMITTER_EMAIL: 'seed@example.com' } });
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'berth-test', '-f', this.clientKey]);
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(this.root, 'host_key')]);
    writeFileSync(join(this.root, 'authorized_keys'), readFileSync(`${this.clientKey}.pub`), { mode: 0o600 });
    git(['init', '-q', '--bare', '-b', 'main', this.repo]);
    const work = join(this.root, 'seed');
    git(['init', '-q', '-b', 'main', work]);
    for (const [rel, text] of Object.entries(files)) {
      mkdirSync(join(work, rel, '..'), { recursive: true });
      writeFileSync(join(work, rel), text);
    }
    git(['add', '-A'], work);
    git(['commit', '-q', '-m', 'seed'], work);
    git(['push', '-q', this.repo, 'main'], work);
    mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });
    this.port = await freePort();
    await this.#spawn();
    return this;
  }

  /** The server's host key fingerprint (SHA256:…, as ssh-keygen -l prints it). */
  get hostFingerprint(): string {
    return execFileSync('ssh-keygen', ['-l', '-E', 'sha256', '-f', `${join(this.root, 'host_key')}.pub`], { encoding: 'utf8' }).split(' ')[1]!;
  }

  /** The host as known_hosts names it. */
  get knownHost(): string {
    return `[127.0.0.1]:${this.port}`;
  }

  /** Restarts sshd on the same port with a new host key of `type` (what a man in the middle, or a reinstalled server, shows). */
  async changeHostKey(type: 'ed25519' | 'rsa' = 'ed25519'): Promise<void> {
    await this.#kill();
    rmSync(join(this.root, 'host_key'), { force: true });
    rmSync(join(this.root, 'host_key.pub'), { force: true });
    execFileSync('ssh-keygen', ['-q', '-t', type, '-N', '', '-f', join(this.root, 'host_key')]);
    await this.#spawn();
  }

  async #spawn(): Promise<void> {
    const config = join(this.root, 'sshd_config');
    writeFileSync(config, [
      `Port ${this.port}`, 'ListenAddress 127.0.0.1', `HostKey ${join(this.root, 'host_key')}`, `AuthorizedKeysFile ${join(this.root, 'authorized_keys')}`,
      `PidFile ${join(this.root, 'sshd.pid')}`, 'StrictModes no', 'UsePAM no', 'PasswordAuthentication no', 'KbdInteractiveAuthentication no', 'PermitRootLogin prohibit-password', `AllowUsers ${userInfo().username}`,
    ].join('\n') + '\n');
    this.#sshd = spawn(SSHD, ['-D', '-e', '-f', config], { stdio: ['ignore', 'ignore', 'pipe'] });
    let log = '';
    this.#sshd.stderr!.on('data', (c: Buffer) => (log += c.toString()));
    await eventually(`sshd to listen on ${this.port} (${log})`, async () => {
      if (this.#sshd!.exitCode !== null) throw new Error(`sshd exited: ${log}`);
      return new Promise<boolean>((resolve) => {
        const s = createServer();
        s.once('error', () => resolve(true));
        s.listen(this.port, '127.0.0.1', () => s.close(() => resolve(false)));
      });
    });
  }

  async #kill(): Promise<void> {
    if (this.#sshd && this.#sshd.exitCode === null) {
      this.#sshd.kill('SIGTERM');
      await new Promise((r) => this.#sshd!.once('exit', r));
    }
  }

  /** The bare repository's log of main: "author <email>: subject" lines. */
  log(): string[] {
    return execFileSync('git', ['--git-dir', this.repo, 'log', '--format=%an <%ae>: %s', 'main'], { encoding: 'utf8' }).trim().split('\n');
  }

  async stop(): Promise<void> {
    await this.#kill();
    rmSync(this.root, { recursive: true, force: true });
  }
}
