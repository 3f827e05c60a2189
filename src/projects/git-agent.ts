import { spawn, spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BerthError } from '../errors.ts';

/** The user an agent serves: only it (and root) may use the socket. */
export interface AgentOwner {
  uid: number;
  gid: number;
}

/** A running ssh-agent holding a holder's keys: its folder (socket and known_hosts), and how to stop it. */
export interface GitAgent {
  /** The folder holding the socket and known_hosts (0700, the owner's; mounted into containers). */
  dir: string;
  socket: string;
  /** The holder's known hosts, for GIT_SSH_COMMAND (0600, the owner's). */
  knownHosts: string;
  pid: number;
  stop(): Promise<void>;
}

export interface StartAgentOptions {
  /** The unsealed private keys, added through ssh-add's stdin (never written to disk). */
  keys: Array<{ name: string; privateKey: string }>;
  /** known_hosts content written beside the socket. */
  knownHosts: string;
  /** Where ssh-agent and ssh-add are found. */
  path: string;
  /** Run the agent as this user (Berth must be root to give it another one); default Berth's own. */
  owner?: AgentOwner;
  /** Outlive this process (a session's agent, stopped by `stopAgentProcess`); default: a child ended by stop(). */
  detached?: boolean;
}

/**
 * Starts `ssh-agent -D` on a socket in a fresh private folder and loads the keys. The folder, the
 * socket and known_hosts belong to `owner` (0700 / 0600) and the agent runs as that user: ssh-agent
 * itself refuses peers of any other uid but root, and nobody else can reach the folder.
 */
export async function startGitAgent(opts: StartAgentOptions): Promise<GitAgent> {
  const dir = mkdtempSync(join(tmpdir(), 'berth-agent-'));
  const socket = join(dir, 'agent.sock');
  const knownHosts = join(dir, 'known_hosts');
  writeFileSync(knownHosts, opts.knownHosts, { mode: 0o600 });
  const switchUser = opts.owner !== undefined && process.geteuid?.() === 0 && opts.owner.uid !== 0;
  if (switchUser) {
    chownSync(knownHosts, opts.owner!.uid, opts.owner!.gid);
    chownSync(dir, opts.owner!.uid, opts.owner!.gid);
  }
  const child = spawn('ssh-agent', ['-D', '-a', socket], {
    stdio: 'ignore',
    env: { PATH: opts.path },
    detached: opts.detached === true,
    ...(switchUser ? { uid: opts.owner!.uid, gid: opts.owner!.gid } : {}),
  });
  const failed = new Promise<Error>((resolve) => child.once('error', resolve));
  if (opts.detached) child.unref();
  const stop = async () => {
    if (child.pid !== undefined) await stopAgentProcess(child.pid, socket);
    rmSync(dir, { recursive: true, force: true });
  };
  for (let i = 0; i < 400 && !existsSync(socket) && child.exitCode === null; i++) await Promise.race([new Promise((r) => setTimeout(r, 25)), failed]);
  if (!existsSync(socket) || child.pid === undefined) {
    await stop();
    throw unavailable('could not start an ssh-agent for the git keys', 'did not start');
  }
  for (const k of opts.keys) {
    const add = spawnSync('ssh-add', ['-q', '-'], { input: k.privateKey, env: { SSH_AUTH_SOCK: socket, PATH: opts.path }, stdio: ['pipe', 'ignore', 'pipe'], timeout: 10_000 });
    if (add.status !== 0) {
      await stop();
      throw unavailable(`could not load git key "${k.name}" into an ssh-agent: ${(add.stderr?.toString() ?? '').trim() || add.error?.message}`, 'not available');
    }
  }
  return { dir, socket, knownHosts, pid: child.pid, stop };
}

/**
 * Ends the ssh-agent `pid` serving `socket` (only when /proc says it is that agent: a recorded pid
 * may have been reused) and waits up to 5 s for it to go.
 */
export async function stopAgentProcess(pid: number, socket: string): Promise<void> {
  const isAgent = () => {
    try {
      const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
      return cmd.some((a) => a.endsWith('ssh-agent')) && cmd.includes(socket);
    } catch {
      return false;
    }
  };
  if (!isAgent()) return;
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    return;
  }
  for (let i = 0; i < 200 && isAgent() && !isZombie(pid); i++) await new Promise((r) => setTimeout(r, 25));
}

function isZombie(pid: number): boolean {
  try {
    return /^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return true;
  }
}

/**
 * GIT_SSH_COMMAND for a shell or Jupyter: the holder's known hosts (`path` as the workload sees it),
 * checked as ssh does by default (StrictHostKeyChecking=ask): a changed key is refused, a new host is
 * asked about on a terminal (and then known for the workload's lifetime only), refused without one.
 */
export function gitSshCommand(knownHostsPath: string): string {
  return `ssh -o UserKnownHostsFile=${knownHostsPath} -o HashKnownHosts=no`;
}

function unavailable(message: string, what: string): BerthError {
  return new BerthError('BERTH_E_SHELL_UNAVAILABLE', message, { problems: [{ path: 'ssh-agent', message: what, fix: 'install openssh-client on the server' }] });
}
