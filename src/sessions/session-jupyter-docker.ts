import { randomBytes } from 'node:crypto';
import { chownSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, posix, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BerthConfig } from '../config/config.ts';
import { JUPYTER_SERVICE, sessionNetworkName, sessionServiceWorkloadId } from '../core/session-naming.ts';
import { readOrchestEnvironments } from '../environments/orchest-environments.ts';
import { isBerthError } from '../errors.ts';
import type { WorkloadSpec } from '../runtimes/driver.ts';
import { DATA_MOUNT, OUTPUTS_MOUNT, PROJECT_MOUNT, SDK_PYTHON_MOUNT } from '../runs/container-step-runtime.ts';
import { SDK_PYTHON_DIR } from '../runs/step-sdk-environment.ts';
import { environmentKernelName, writeKernelSpecs, type KernelSpecFile } from './jupyter-kernelspecs.ts';
import { jupyterServiceDefinition, sessionJupyterDir, sessionKernelVariables, type SessionJupyterInput, type SessionJupyterPlan } from './session-jupyter.ts';

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

/** One kernel host container per Python environment of the project, started before Jupyter. */
export type DockerJupyterPlan = SessionJupyterPlan & { kernelHosts: WorkloadSpec[] };

/**
 * Jupyter in a Docker session (decision 0018): Jupyter Server from BERTH_JUPYTER_IMAGE on the session
 * network (alias berth-jupyter), rooted at /project-dir, port 8888 published on loopback, a token
 * only Berth knows; and per Python environment of the project a kernel host container of the
 * environment's image (alias berth-kernels-<uuid>) that starts the kernels Jupyter asks for through
 * the session's kernel folder, Jupyter's side being a relay kernelspec. No container gets the Docker socket.
 */
export async function planDockerJupyter(config: BerthConfig, input: DockerJupyterInput): Promise<DockerJupyterPlan | { skipped: string }> {
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
  const outputsDir = join(config.home, 'outputs', input.projectUuid, input.pipelineUuid);
  mkdirSync(outputsDir, { recursive: true });
  mkdirSync(config.dataDir, { recursive: true });
  const owner = statSync(input.projectDir);
  const user = `${owner.uid}:${owner.gid}`;
  const token = randomBytes(32).toString('hex');
  const network = sessionNetworkName(input.sessionUuid);
  const labels = { project: input.projectUuid, pipeline: input.pipelineUuid, session: input.sessionUuid };
  const mounts = [
    { source: input.projectDir, target: PROJECT_MOUNT },
    { source: config.dataDir, target: DATA_MOUNT },
    { source: outputsDir, target: OUTPUTS_MOUNT },
    { source: SDK_PYTHON_DIR, target: SDK_PYTHON_MOUNT, readOnly: true },
    { source: KERNEL_BIN_DIR, target: KERNEL_BIN_MOUNT, readOnly: true },
    { source: dir, target: JUPYTER_MOUNT },
  ];
  const vars = containerVariables(input);
  // Kernels ask the Jupyter server which notebook they run (the SDK, as Orchest did): its address on the session network.
  writeFileSync(join(paths.kernelRuntime, 'jpserver-berth.json'), JSON.stringify({ url: `http://${JUPYTER_SERVICE}:${JUPYTER_CONTAINER_PORT}/`, token, root_dir: PROJECT_MOUNT }), { mode: 0o600 });

  const specs: KernelSpecFile[] = [];
  const kernelHosts: WorkloadSpec[] = [];
  for (const env of readOrchestEnvironments(input.projectDir)) {
    if (env.problem) {
      progress(`environment ${env.uuid} has no kernel: ${env.problem}`);
      continue;
    }
    if (env.language.toLowerCase() !== 'python') {
      progress(`environment "${env.name}" has no kernel: kernels of ${env.language} environments do not run in Docker sessions yet (Python only)`);
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
    const service = kernelHostService(env.uuid);
    const requests = join(paths.kernels, env.uuid);
    mkdirSync(requests, { recursive: true, mode: 0o700 });
    const requestsInside = posix.join(JUPYTER_MOUNT, 'kernels', env.uuid);
    kernelHosts.push({
      id: sessionServiceWorkloadId(input.sessionUuid, service),
      command: ['python3', posix.join(KERNEL_BIN_MOUNT, 'kernel_host.py'), requestsInside],
      cwd: PROJECT_MOUNT,
      env: { ...vars, JUPYTER_RUNTIME_DIR: posix.join(JUPYTER_MOUNT, 'kernel-runtime'), BERTH_ENVIRONMENT_UUID: env.uuid },
      labels: { ...labels, service },
      image: envImage,
      mounts,
      network: { name: network, aliases: [service] },
      user,
      logPath: join(config.home, 'sessions', input.sessionUuid, `${service}.log`),
      restart: 'no',
    });
    specs.push({
      name: environmentKernelName(env.uuid),
      spec: {
        argv: ['python3', posix.join(KERNEL_BIN_MOUNT, 'kernel_relay.py'), '{connection_file}', service, requestsInside],
        display_name: env.name,
        language: 'python',
        metadata: { berth: { environment: env.uuid, image: envImage } },
        interrupt_mode: 'message',
      },
    });
  }
  writeKernelSpecs(paths.data, specs);
  // The containers run as the project folder's owner: the session's Jupyter folder is theirs.
  if (process.getuid?.() === 0) chownTree(dir, owner.uid, owner.gid);

  const definition = jupyterServiceDefinition(image, JUPYTER_CONTAINER_PORT, token);
  const spec: WorkloadSpec = {
    id: sessionServiceWorkloadId(input.sessionUuid, JUPYTER_SERVICE),
    command: [
      'python3', '-m', 'jupyter_server', '--no-browser', '--ip=0.0.0.0', `--port=${JUPYTER_CONTAINER_PORT}`, '--ServerApp.port_retries=0',
      `--ServerApp.root_dir=${PROJECT_MOUNT}`, '--ServerApp.base_url=/', '--ServerApp.allow_remote_access=True', '--ServerApp.password=', '--allow-root',
    ],
    cwd: PROJECT_MOUNT,
    env: {
      ...vars,
      JUPYTER_TOKEN: token,
      JUPYTER_PATH: posix.join(JUPYTER_MOUNT, 'data'),
      JUPYTER_RUNTIME_DIR: posix.join(JUPYTER_MOUNT, 'runtime'),
      JUPYTER_CONFIG_DIR: posix.join(JUPYTER_MOUNT, 'config'),
    },
    labels: { ...labels, service: JUPYTER_SERVICE },
    image,
    ports: [JUPYTER_CONTAINER_PORT],
    mounts,
    network: { name: network, aliases: [JUPYTER_SERVICE] },
    user,
    logPath: join(config.home, 'sessions', input.sessionUuid, `${JUPYTER_SERVICE}.log`),
    restart: 'no',
  };
  return { definition, spec, kernelHosts };
}

/** What a step of the session's pipeline gets in a container (no step uuid: the SDK finds it from the notebook). */
function containerVariables(input: DockerJupyterInput): Record<string, string> {
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
