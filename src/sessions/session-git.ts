import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { GitCredentials } from '../projects/git-credentials.ts';
import { gitSshCommand, stopAgentProcess } from '../projects/git-agent.ts';
import type { RuntimeRegistry } from '../runtimes/runtime-registry.ts';
import { AGENT_MOUNT, shellUser } from '../runs/environment-shells.ts';

/** What a session gets of the git credentials of whoever starts it. */
export interface SessionGitAccess {
  /** GIT_AUTHOR_* / GIT_COMMITTER_* (none without an identity). */
  identity(): Promise<Record<string, string>>;
  /** A detached ssh-agent with the keys, usable by the user the session's workloads run as (null without keys). */
  agent(at: { runtime: string; projectUuid: string; projectDir: string }): Promise<{ pid: number; dir: string; socket: string; knownHosts: string } | null>;
}

/** What a session's git record holds (BERTH_HOME/sessions/<uuid>/git.json, 0600): never a key. */
interface SessionGitRecord {
  identity: Record<string, string>;
  agent: { pid: number; dir: string; socket: string; knownHosts: string } | null;
}

/** The git credentials of `holder` (a token id; the in-process CLI: "local") for the sessions it starts. */
export function sessionGitAccess(git: GitCredentials, registry: RuntimeRegistry, holder: string): SessionGitAccess {
  return {
    identity: () => git.identityEnv(holder),
    agent: async (at) => git.agent(holder, { owner: await shellUser(at.runtime, registry, at.projectUuid, at.projectDir), detached: true }),
  };
}

function recordPath(home: string, sessionUuid: string): string {
  return join(home, 'sessions', sessionUuid, 'git.json');
}

/**
 * Gives the session (its Jupyter server, kernels and terminals) the starter's git identity and an
 * ssh-agent holding their keys, living as long as the session: the agent outlives the Berth process
 * that started it (as the session's workloads do) and `stopSessionGit` ends it with the session.
 */
export async function startSessionGit(home: string, sessionUuid: string, access: SessionGitAccess, at: { runtime: string; projectUuid: string; projectDir: string }): Promise<void> {
  await stopSessionGit(home, sessionUuid);
  const record: SessionGitRecord = { identity: await access.identity(), agent: null };
  const path = recordPath(home, sessionUuid);
  mkdirSync(join(home, 'sessions', sessionUuid), { recursive: true, mode: 0o700 });
  record.agent = await access.agent(at);
  writeFileSync(path, JSON.stringify(record), { mode: 0o600 });
}

/**
 * The variables the session's workloads get (identity, SSH_AUTH_SOCK, GIT_SSH_COMMAND with the
 * starter's known hosts) and, on a container runtime, the agent's folder to mount at AGENT_MOUNT.
 * `inContainer`: the paths as a container sees them.
 */
export function sessionGitEnv(home: string, sessionUuid: string, inContainer: boolean): { env: Record<string, string>; mount?: { source: string; target: string } } {
  let record: SessionGitRecord;
  try {
    record = JSON.parse(readFileSync(recordPath(home, sessionUuid), 'utf8')) as SessionGitRecord;
  } catch {
    return { env: {} };
  }
  const agent = record.agent;
  if (!agent || !existsSync(agent.socket)) return { env: record.identity };
  const at = (p: string) => (inContainer ? `${AGENT_MOUNT}/${basename(p)}` : p);
  return {
    env: { ...record.identity, SSH_AUTH_SOCK: at(agent.socket), GIT_SSH_COMMAND: gitSshCommand(at(agent.knownHosts)) },
    ...(inContainer ? { mount: { source: agent.dir, target: AGENT_MOUNT } } : {}),
  };
}

/** Ends the session's ssh-agent and removes its folder and the record (nothing when there is none). */
export async function stopSessionGit(home: string, sessionUuid: string): Promise<void> {
  const path = recordPath(home, sessionUuid);
  let record: SessionGitRecord;
  try {
    record = JSON.parse(readFileSync(path, 'utf8')) as SessionGitRecord;
  } catch {
    return;
  }
  if (record.agent) {
    await stopAgentProcess(record.agent.pid, record.agent.socket);
    if (basename(record.agent.dir).startsWith('berth-agent-')) rmSync(record.agent.dir, { recursive: true, force: true });
  }
  rmSync(path, { force: true });
}
