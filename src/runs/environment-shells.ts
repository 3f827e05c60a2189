import { existsSync, mkdirSync, statSync } from 'node:fs';
import { basename } from 'node:path';
import type { BerthConfig } from '../config/config.ts';
import { BerthError } from '../errors.ts';
import { loadEnvironment } from '../environments/environment-loader.ts';
import { gitSshCommand, type AgentOwner } from '../projects/git-agent.ts';
import { environmentVariables } from '../environments/process-environments.ts';
import { readOrchestEnvironments } from '../environments/orchest-environments.ts';
import type { Mount } from '../runtimes/driver.ts';
import type { RuntimeRegistry } from '../runtimes/runtime-registry.ts';
import type { Terminal } from '../runtimes/terminal.ts';
import { noPtyError, ptyAvailable, startPtyCommand } from '../runtimes/process/pty-command.ts';
import { DATA_MOUNT, PROJECT_MOUNT, SDK_PYTHON_MOUNT } from './container-step-runtime.ts';
import { ProcessStepRuntime } from './process-step-runtime.ts';
import { SDK_PYTHON_DIR } from './step-sdk-environment.ts';
import type { StepRuntimes } from './step-runtimes.ts';

/** Where a shell container sees the ssh-agent's folder. */
export const AGENT_MOUNT = '/berth-ssh-agent';

export interface ShellRequest {
  projectUuid: string;
  projectDir: string;
  /** The environment's uuid or name. */
  environment: string;
  runtime: 'process' | 'docker' | 'kubernetes';
  /** Variables the shell gets on top of the runtime's (the project's stored ones, the git identity). */
  env: Record<string, string>;
  /** An ssh-agent holding the user's git keys: its socket reaches the shell (SSH_AUTH_SOCK), never a key file; its known_hosts, GIT_SSH_COMMAND. */
  sshAgent?: { dir: string; socket: string; knownHosts: string };
  cols: number;
  rows: number;
  onProgress?: (line: string) => void;
}

export interface OpenedShell {
  terminal: Terminal;
  environment: { uuid: string; name: string };
}

/**
 * The user a shell (or a session's Jupyter) of the project runs as on `runtime`, whom its ssh-agent
 * must serve: on Docker the project folder's owner (the containers' user), on the process runtime
 * the workload user of a root server; undefined when that is Berth's own user.
 */
export async function shellUser(runtime: string, registry: RuntimeRegistry, projectUuid: string, projectDir: string): Promise<AgentOwner | undefined> {
  if (runtime === 'docker') {
    const st = statSync(projectDir);
    return { uid: st.uid, gid: st.gid };
  }
  return runtime === 'process' ? (await registry.processDriver()).workloadOwner(projectUuid) : undefined;
}

/** The project's environment named by uuid or name; 404 naming the known ones otherwise. */
export function findProjectEnvironment(projectDir: string, ref: string): { uuid: string; name: string } {
  const envs = readOrchestEnvironments(projectDir);
  const hit = envs.find((e) => e.uuid === ref) ?? envs.find((e) => e.name === ref);
  if (hit) return { uuid: hit.uuid, name: hit.name };
  throw new BerthError('BERTH_E_ENV_NOT_FOUND', `the project has no environment "${ref}"`, {
    problems: [{ path: 'environment', message: 'no such environment', fix: envs.length ? `use one of: ${envs.map((e) => `${e.name} (${e.uuid})`).join(', ')}` : 'the project has no .orchest/environments/ yet' }],
  });
}

/**
 * An interactive shell in one of a project's environments, as its steps see it. Process runtime:
 * bash with the environment's virtual environment activated (built first if needed), in the project
 * folder, on a pseudo-terminal; /data and /project-dir mounted in a namespace of its own where the
 * host allows it; as the workload user on a root server. Docker: a fresh container of the
 * environment's image (built first if needed) with a TTY, the project at /project-dir, the data
 * folder at /data and the SDK, running as the project folder's owner, removed when the shell ends.
 */
export async function openEnvironmentShell(config: BerthConfig, runtimes: StepRuntimes, registry: RuntimeRegistry, req: ShellRequest): Promise<OpenedShell> {
  const environment = findProjectEnvironment(req.projectDir, req.environment);
  const definition = loadEnvironment(req.projectDir, environment.uuid);
  mkdirSync(config.dataDir, { recursive: true });
  const term = { TERM: 'xterm-256color', BERTH_ENVIRONMENT_UUID: environment.uuid, BERTH_ENVIRONMENT_NAME: environment.name, ORCHEST_PROJECT_UUID: req.projectUuid };
  if (req.runtime === 'docker') {
    const image = (await (await runtimes.environmentImages()).ensure(definition, req.onProgress, req.projectDir)).image;
    const docker = await registry.dockerClient();
    const { startContainerTerminal } = await import('../runtimes/docker/container-terminal.ts');
    const owner = statSync(req.projectDir);
    const terminal = await startContainerTerminal(docker, {
      image,
      command: ['/bin/sh', '-c', 'if command -v bash >/dev/null 2>&1; then exec bash -i; else exec sh -i; fi'],
      cwd: PROJECT_MOUNT,
      env: { ...req.env, ...term, ...(req.sshAgent ? { SSH_AUTH_SOCK: `${AGENT_MOUNT}/${basename(req.sshAgent.socket)}`, GIT_SSH_COMMAND: gitSshCommand(`${AGENT_MOUNT}/${basename(req.sshAgent.knownHosts)}`) } : {}), ORCHEST_PROJECT_DIR: PROJECT_MOUNT, ORCHEST_DATA_DIR: DATA_MOUNT, PYTHONPATH: SDK_PYTHON_MOUNT, HOME: '/tmp' },
      mounts: [
        { source: req.projectDir, target: PROJECT_MOUNT },
        { source: config.dataDir, target: DATA_MOUNT },
        { source: SDK_PYTHON_DIR, target: SDK_PYTHON_MOUNT, readOnly: true },
        ...(req.sshAgent ? [{ source: req.sshAgent.dir, target: AGENT_MOUNT }] : []),
      ],
      user: `${owner.uid}:${owner.gid}`,
      owner: { project: req.projectUuid, installation: config.home },
      cols: req.cols,
      rows: req.rows,
    });
    return { terminal, environment };
  }
  if (req.runtime !== 'process') {
    throw new BerthError('BERTH_E_RUNTIME_UNSUPPORTED', `environment shells run on the process and docker runtimes, not ${req.runtime}`, {
      problems: [{ path: 'runtime', message: `no shells on ${req.runtime}`, fix: 'open the shell on a server with BERTH_RUNTIME=docker or process' }],
    });
  }
  if (!ptyAvailable()) throw noPtyError();
  const runtime = await runtimes.get('process');
  if (!(runtime instanceof ProcessStepRuntime)) throw new Error('the process runtime has no process step runtime');
  const base = runtime.basePython();
  if (!base.ok) throw new BerthError('BERTH_E_SHELL_UNAVAILABLE', base.reason);
  if (base.python === undefined) {
    throw new BerthError('BERTH_E_SHELL_UNAVAILABLE', `environment ${environment.name} is a Python virtual environment on the process runtime, and no python3 is on PATH`, {
      problems: [{ path: 'BERTH_PYTHON', message: 'no python3', fix: 'install Python 3 or set BERTH_PYTHON' }],
    });
  }
  const built = await runtime.environments.ensure(definition, base.python, req.projectDir, req.onProgress);
  const driver = await registry.processDriver();
  const mounts: Mount[] = config.processMounts === 'off' ? [] : [{ source: config.dataDir, target: DATA_MOUNT }, { source: req.projectDir, target: PROJECT_MOUNT }];
  const workdir = mounts.length > 0 && driver.mountSupport().ok ? PROJECT_MOUNT : req.projectDir;
  const activated = environmentVariables(built, config.baseEnv);
  // Set last, through env after the mount helper (a python3 that is a wrapper, such as pyenv's shim,
  // rewrites PATH and PWD): the shell starts in the project as /project-dir, the environment's
  // interpreter first on PATH, its prompt naming the environment. None of these is a secret.
  const shell = [
    'env',
    `PATH=${activated.PATH ?? config.baseEnv.PATH ?? "/usr/local/bin:/usr/bin:/bin"}`,
    `PWD=${workdir}`,
    `PS1=(${environment.name.replace(/[^\w .-]/g, '')}) \\w \\$ `,
    ...(existsSync('/bin/bash') ? ['/bin/bash', '--norc', '--noprofile', '-i'] : ['/bin/sh', '-i']),
  ];
  const prepared = driver.interactiveCommand({ project: req.projectUuid, cwd: PROJECT_MOUNT, mounts, hostPaths: [req.projectDir], command: shell });
  const env: Record<string, string> = {
    ...config.baseEnv,
    ...req.env,
    ...activated,
    ...term,
    ...(req.sshAgent ? { SSH_AUTH_SOCK: req.sshAgent.socket, GIT_SSH_COMMAND: gitSshCommand(req.sshAgent.knownHosts) } : {}),
    ORCHEST_PROJECT_DIR: prepared.mounted ? PROJECT_MOUNT : req.projectDir,
    ORCHEST_DATA_DIR: prepared.mounted ? DATA_MOUNT : config.dataDir,
    PYTHONPATH: config.baseEnv.PYTHONPATH ? `${SDK_PYTHON_DIR}:${config.baseEnv.PYTHONPATH}` : SDK_PYTHON_DIR,
  };
  const terminal = startPtyCommand(prepared.command, { cwd: req.projectDir, env, cols: req.cols, rows: req.rows });
  return { terminal, environment };
}
