import { randomBytes } from 'node:crypto';
import { chownSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, posix, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BerthConfig } from '../config/config.ts';
import { JUPYTER_SERVICE, sessionNetworkName, sessionServiceWorkloadId } from '../core/session-naming.ts';
import { readOrchestEnvironments } from '../environments/orchest-environments.ts';
import { isBerthError } from '../errors.ts';
import type { WorkloadSpec } from '../runtimes/driver.ts';
import { DATA_MOUNT, OUTPUTS_MOUNT, PROJECT_MOUNT, SDK_PYTHON_MOUNT } from '../runs/container-step-runtime.ts';
import { SDK_PYTHON_DIR } from '../runs/step-sdk-environment.ts';
import { dockerKernelLanguage } from './docker-kernel-languages.ts';
import { sessionGitEnv } from './session-git.ts';
import { environmentKernelName, writeKernelSpecs, type KernelSpecFile } from './jupyter-kernelspecs.ts';
import { jupyterServiceDefinition, kernelCullArgs, sessionJupyterDir, sessionKernelVariables, type SessionJupyterInput, type SessionJupyterPlan } from './session-jupyter.ts';

/** The port Jupyter Server listens on inside its container (published on 127.0.0.1 by the engine). */
export const JUPYTER_CONTAINER_PORT = 8888;
/** Where the Jupyter and kernel containers see the session's Jupyter folder (kernelspecs, runtime, kernel requests). */
const JUPYTER_MOUNT = '/berth-jupyter';
/** Berth's kernel relay and kernel host (standard-library Python), read-only. */
const KERNEL_BIN_MOUNT = '/berth-kernel-bin';
const KERNEL_BIN_DIR = fileURLToPath(new URL('./docker-kernels', import.meta.url));

/** A session service name of Berth's own for an environment's kernel host container. */
export function kernelHostService(environmentUuid: string): string {
  return `berth-kernels-${environmentUuid}`;
}

export type DockerJupyterInput = Omit<SessionJupyterInput, 'runtime'> & {
  /** The environment's image (built now when needed). */
  environmentImage: (uuid: string, onProgress: (line: string) => void) => Promise<string>;
  /** Makes sure the Jupyter image is on the engine (pulled now when missing). */
  ensureImage: (image: string, onProgress: (line: string) => void) => Promise<void>;
};

/** What a session's containers are started with: what Jupyter and every kernel host share. */
export type SessionContainerInput = Omit<SessionJupyterInput, 'runtime' | 'onProgress'>;

/**
 * How long a kernel host with no kernel (and no kernel request) waits before it exits; its container
 * is then removed (KernelHostLauncher), and started again for the next kernel. Covers a restart's gap.
 */
export const KERNEL_HOST_LINGER_SECONDS = 10;

/**
 * Jupyter in a Docker session (decision 0018): Jupyter Server from BERTH_JUPYTER_IMAGE on the session
 * network (alias berth-jupyter), rooted at /project-dir, port 8888 published on loopback, a token
 * only Berth knows; per Python or R environment of the project its image (built now) and a relay
 * kernelspec naming it (Julia and JavaScript environments get none, and a progress line says why). The environments' kernel host containers (alias berth-kernels-<uuid>) are
 * started when Jupyter asks for a kernel (KernelHostLauncher, decision 0018 amendment), from
 * `dockerKernelHostSpec`. No container gets the Docker socket.
 */
export async function planDockerJupyter(config: BerthConfig, input: DockerJupyterInput): Promise<SessionJupyterPlan | { skipped: string }> {
  if (config.jupyter.mode === 'off') return { skipped: 'BERTH_SESSION_JUPYTER=off' };
  const image = config.jupyter.image;
  if (!image) {
    return { skipped: 'no Jupyter image for Docker sessions: set BERTH_JUPYTER_IMAGE to an image with Jupyter Server (python3 -m jupyter_server), e.g. jupyter/base-notebook' };
  }
  const progress = (line: string) => input.onProgress?.(`jupyter: ${line}`);
  await input.ensureImage(image, progress);
  const dir = sessionJupyterDir(config.home, input.sessionUuid);
  rmSync(join(dir, 'kernels'), { recursive: true, force: true });
  const paths = { data: join(dir, 'data'), runtime: join(dir, 'runtime'), config: join(dir, 'config'), kernels: join(dir, 'kernels'), kernelRuntime: join(dir, 'kernel-runtime') };
  for (const p of Object.values(paths)) mkdirSync(p, { recursive: true, mode: 0o700 });
  mkdirSync(join(config.home, 'outputs', input.projectUuid, input.pipelineUuid), { recursive: true });
  mkdirSync(config.dataDir, { recursive: true });
  const shared = sessionContainers(config, input);
  const token = randomBytes(32).toString('hex');
  // Kernels ask the Jupyter server which notebook they run (the SDK, as Orchest did): its address on the session network.
  writeFileSync(join(paths.kernelRuntime, 'jpserver-berth.json'), JSON.stringify({ url: `http://${JUPYTER_SERVICE}:${JUPYTER_CONTAINER_PORT}/`, token, root_dir: PROJECT_MOUNT }), { mode: 0o600 });

  const specs: KernelSpecFile[] = [];
  for (const env of readOrchestEnvironments(input.projectDir)) {
    if (env.problem) {
      progress(`environment ${env.uuid} has no kernel: ${env.problem}`);
      continue;
    }
    const kernel = dockerKernelLanguage(env.language, env.name);
    if ('problem' in kernel) {
      progress(kernel.problem);
      continue;
    }
    let envImage: string;
    try {
      envImage = await input.environmentImage(env.uuid, (l) => progress(`environment "${env.name}": ${l}`));
    } catch (e) {
      if (!isBerthError(e)) throw e;
      progress(`environment "${env.name}" has no kernel: ${e.message.split('\n')[0]}`);
      continue;
    }
    mkdirSync(join(paths.kernels, env.uuid), { recursive: true, mode: 0o700 });
    specs.push({
      name: environmentKernelName(env.uuid),
      spec: {
        argv: ['python3', posix.join(KERNEL_BIN_MOUNT, 'kernel_relay.py'), '{connection_file}', kernelHostService(env.uuid), kernelRequestsInside(env.uuid)],
        display_name: env.name,
        language: kernel.specLanguage,
        // Read back when the environment's kernel host starts (dockerKernelHostImage, dockerKernelHostSpec).
        metadata: { berth: { environment: env.uuid, image: envImage, language: kernel.language } },
        interrupt_mode: kernel.interruptMode,
      },
    });
  }
  writeKernelSpecs(paths.data, specs);
  // The containers run as the project folder's owner: the session's Jupyter folder is theirs.
  const owner = statSync(input.projectDir);
  if (process.getuid?.() === 0) chownTree(dir, owner.uid, owner.gid);

  const definition = jupyterServiceDefinition(image, JUPYTER_CONTAINER_PORT, token);
  const spec: WorkloadSpec = {
    id: sessionServiceWorkloadId(input.sessionUuid, JUPYTER_SERVICE),
    command: [
      'python3', '-m', 'jupyter_server', '--no-browser', '--ip=0.0.0.0', `--port=${JUPYTER_CONTAINER_PORT}`, '--ServerApp.port_retries=0',
      `--ServerApp.root_dir=${PROJECT_MOUNT}`, '--ServerApp.base_url=/', '--ServerApp.allow_remote_access=True', '--ServerApp.password=', '--allow-root',
      ...kernelCullArgs(config),
    ],
    cwd: PROJECT_MOUNT,
    env: {
      ...shared.env,
      JUPYTER_TOKEN: token,
      JUPYTER_PATH: posix.join(JUPYTER_MOUNT, 'data'),
      JUPYTER_RUNTIME_DIR: posix.join(JUPYTER_MOUNT, 'runtime'),
      JUPYTER_CONFIG_DIR: posix.join(JUPYTER_MOUNT, 'config'),
    },
    labels: { ...shared.labels, service: JUPYTER_SERVICE },
    image,
    ports: [JUPYTER_CONTAINER_PORT],
    mounts: shared.mounts,
    network: { name: shared.network, aliases: [JUPYTER_SERVICE] },
    user: shared.user,
    logPath: join(config.home, 'sessions', input.sessionUuid, `${JUPYTER_SERVICE}.log`),
    restart: 'no',
  };
  return { definition, spec };
}

/**
 * The kernel host container of one environment of the session (pure but for the project folder's
 * owner and the kernelspec the session's start wrote): the environment's image on the session network
 * (alias berth-kernels-<uuid>) with the session's mounts and a step's variables, running
 * kernel_host.py on the environment's request folder with the kernel of the environment's language
 * (as recorded in its kernelspec: ipykernel, or IRkernel for R); it exits once it has had no kernel
 * for KERNEL_HOST_LINGER_SECONDS.
 */
export function dockerKernelHostSpec(config: BerthConfig, input: SessionContainerInput, environmentUuid: string, image: string): WorkloadSpec {
  const shared = sessionContainers(config, input);
  const service = kernelHostService(environmentUuid);
  const kernel = dockerKernelLanguage(recordedKernelSpec(config.home, input.sessionUuid, environmentUuid)?.language ?? 'python', environmentUuid);
  const kernelArgv = 'problem' in kernel ? [] : (kernel.argv ?? []);
  return {
    id: sessionServiceWorkloadId(input.sessionUuid, service),
    command: ['python3', posix.join(KERNEL_BIN_MOUNT, 'kernel_host.py'), kernelRequestsInside(environmentUuid), String(KERNEL_HOST_LINGER_SECONDS), ...kernelArgv],
    cwd: PROJECT_MOUNT,
    env: { ...shared.env, JUPYTER_RUNTIME_DIR: posix.join(JUPYTER_MOUNT, 'kernel-runtime'), BERTH_ENVIRONMENT_UUID: environmentUuid },
    labels: { ...shared.labels, service },
    image,
    mounts: shared.mounts,
    network: { name: shared.network, aliases: [service] },
    user: shared.user,
    logPath: join(config.home, 'sessions', input.sessionUuid, `${service}.log`),
    restart: 'no',
  };
}

/** The image of an environment's kernel host, as the session's start recorded it in the kernelspec; null when the environment has no kernel. */
export function dockerKernelHostImage(home: string, sessionUuid: string, environmentUuid: string): string | null {
  return recordedKernelSpec(home, sessionUuid, environmentUuid)?.image ?? null;
}

/** What the session's start recorded in an environment's kernelspec (`metadata.berth`): its image and language; null when it has none. */
function recordedKernelSpec(home: string, sessionUuid: string, environmentUuid: string): { image: string; language: string } | null {
  try {
    const spec = JSON.parse(readFileSync(join(sessionJupyterDir(home, sessionUuid), 'data', 'kernels', environmentKernelName(environmentUuid), 'kernel.json'), 'utf8')) as { metadata?: { berth?: { image?: unknown; language?: unknown } } };
    const { image, language } = spec.metadata?.berth ?? {};
    if (typeof image !== 'string' || image === '') return null;
    // Kernelspecs written before R kernels ran in Docker sessions were Python's.
    return { image, language: typeof language === 'string' ? language : 'python' };
  } catch {
    return null;
  }
}

/** Where an environment's kernel requests are, inside the session's containers. */
function kernelRequestsInside(environmentUuid: string): string {
  return posix.join(JUPYTER_MOUNT, 'kernels', environmentUuid);
}

/** What Jupyter and the kernel hosts of a session share: mounts, variables, user, network, owner labels. */
function sessionContainers(config: BerthConfig, input: SessionContainerInput) {
  const owner = statSync(input.projectDir);
  // The starter's git identity and ssh-agent (its folder mounted, the socket the containers' user's).
  const git = sessionGitEnv(config.home, input.sessionUuid, true);
  return {
    mounts: [
      { source: input.projectDir, target: PROJECT_MOUNT },
      { source: config.dataDir, target: DATA_MOUNT },
      { source: join(config.home, 'outputs', input.projectUuid, input.pipelineUuid), target: OUTPUTS_MOUNT },
      { source: SDK_PYTHON_DIR, target: SDK_PYTHON_MOUNT, readOnly: true },
      { source: KERNEL_BIN_DIR, target: KERNEL_BIN_MOUNT, readOnly: true },
      { source: sessionJupyterDir(config.home, input.sessionUuid), target: JUPYTER_MOUNT },
      ...(git.mount ? [git.mount] : []),
    ],
    env: { ...containerVariables(input), ...git.env },
    user: `${owner.uid}:${owner.gid}`,
    network: sessionNetworkName(input.sessionUuid),
    labels: { project: input.projectUuid, pipeline: input.pipelineUuid, session: input.sessionUuid },
  };
}

/** What a step of the session's pipeline gets in a container (no step uuid: the SDK finds it from the notebook). */
function containerVariables(input: SessionContainerInput): Record<string, string> {
  const own = sessionKernelVariables(input, {
    pipelineFile: posix.join(PROJECT_MOUNT, relative(input.projectDir, input.pipelineFile).split('\\').join('/')),
    projectDir: PROJECT_MOUNT,
    dataDir: DATA_MOUNT,
  });
  const pythonPath = input.inherited.PYTHONPATH ? `${SDK_PYTHON_MOUNT}:${input.inherited.PYTHONPATH}` : SDK_PYTHON_MOUNT;
  return { ...input.inherited, HOME: '/tmp', BERTH_OUTPUTS_DIR: OUTPUTS_MOUNT, PYTHONPATH: pythonPath, ...own };
}

function chownTree(dir: string, uid: number, gid: number): void {
  chownSync(dir, uid, gid);
  for (const name of readdirSync(dir, { recursive: true, encoding: 'utf8' })) chownSync(join(dir, name), uid, gid);
}
