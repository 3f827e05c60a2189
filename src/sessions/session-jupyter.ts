import { randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import type { BerthConfig } from '../config/config.ts';
import type { ServiceDefinition } from '../core/pipeline-types.ts';
import { JUPYTER_SERVICE, sessionServiceWorkloadId } from '../core/session-naming.ts';
import { readOrchestEnvironments } from '../environments/orchest-environments.ts';
import { isBerthError } from '../errors.ts';
import type { Mount, WorkloadSpec } from '../runtimes/driver.ts';
import type { StepRuntime } from '../runs/step-runtime.ts';
import { stepSdkEnvironment } from '../runs/step-sdk-environment.ts';
import { sessionGitEnv } from './session-git.ts';
import { findJupyter, type JupyterInstall } from './jupyter-install.ts';
import { environmentKernelSpec, languageKernelSpecs, writeKernelSpecs, type KernelEnvironment, type KernelSpecFile } from './jupyter-kernelspecs.ts';

/** What a session's Jupyter server is started for. */
export interface SessionJupyterInput {
  sessionUuid: string;
  projectUuid: string;
  pipelineUuid: string;
  /** The pipeline file (host path): kernels resolve their step in it. */
  pipelineFile: string;
  projectDir: string;
  /** Project and pipeline variables (pipeline wins): kernels get them as steps do. */
  inherited: Record<string, string>;
  runtime: StepRuntime;
  onProgress?: (line: string) => void;
}

/** The Jupyter server as a session service of Berth's: its definition (stored, token included) and its workload. */
export interface SessionJupyterPlan {
  definition: ServiceDefinition;
  spec: WorkloadSpec;
}

/** Where a session's Jupyter files live: `BERTH_HOME/sessions/<session>/jupyter/{data,runtime,config}`. */
export function sessionJupyterDir(home: string, sessionUuid: string): string {
  return join(home, 'sessions', sessionUuid, 'jupyter');
}

/**
 * Prepares the session's Jupyter server on the process runtime, or says why there is none:
 * JupyterLab (else Jupyter Server) of the host, rooted at the project, on a free loopback port,
 * with a random token only Berth knows (the proxy sends it upstream), base_url "/" (the proxy strips
 * its path prefix, so the same server answers path routes and a service origin alike), and a
 * Berth-owned JUPYTER_PATH holding one kernelspec per environment of the project (its virtual
 * environment's interpreter, built when needed) and the host's language kernels, each with the
 * variables a step of the pipeline gets (the SDK then resolves the notebook's step itself).
 */
export async function planSessionJupyter(config: BerthConfig, input: SessionJupyterInput): Promise<SessionJupyterPlan | { skipped: string }> {
  if (config.jupyter.mode === 'off') return { skipped: 'BERTH_SESSION_JUPYTER=off' };
  if (input.runtime.driver.capabilities.isolation) return { skipped: `Jupyter in sessions runs on the process and docker runtimes only for now (this session is on ${input.runtime.name})` };
  const install = findJupyter(config);
  if ('problem' in install) return { skipped: install.problem };
  const dir = sessionJupyterDir(config.home, input.sessionUuid);
  const paths = { data: join(dir, 'data'), runtime: join(dir, 'runtime'), config: join(dir, 'config') };
  for (const p of Object.values(paths)) mkdirSync(p, { recursive: true, mode: 0o700 });
  const outputsDir = join(config.home, 'outputs', input.projectUuid, input.pipelineUuid);
  mkdirSync(outputsDir, { recursive: true });
  const vars = kernelVariables(config, input, outputsDir);
  writeKernelSpecs(paths.data, await kernelSpecs(install, input, vars));
  const port = await freeLoopbackPort();
  const token = randomBytes(32).toString('hex');
  const definition = jupyterServiceDefinition(install.app === 'jupyterlab' ? 'host:jupyterlab' : 'host:jupyter-server', port, token);
  const mounts: Mount[] = input.runtime.mountSupport?.().ok === true ? [{ source: config.dataDir, target: '/data' }, { source: input.projectDir, target: '/project-dir' }] : [];
  const spec: WorkloadSpec = {
    id: sessionServiceWorkloadId(input.sessionUuid, JUPYTER_SERVICE),
    command: [
      install.python, '-m', install.app, '--no-browser', '--ip=127.0.0.1', `--port=${port}`, '--ServerApp.port_retries=0',
      `--ServerApp.root_dir=${input.projectDir}`, '--ServerApp.base_url=/', '--ServerApp.allow_remote_access=True', '--ServerApp.password=',
      // Berth's own user may be root (a CLI or single-user server); Jupyter refuses that unless told.
      '--allow-root',
      ...kernelCullArgs(config),
    ],
    cwd: input.projectDir,
    env: {
      ...config.baseEnv,
      ...vars,
      // The starter's git identity and ssh-agent: the server, its terminals and kernels inherit them.
      ...sessionGitEnv(config.home, input.sessionUuid, false).env,
      JUPYTER_TOKEN: token,
      JUPYTER_PATH: paths.data,
      JUPYTER_RUNTIME_DIR: paths.runtime,
      JUPYTER_CONFIG_DIR: paths.config,
    },
    labels: { project: input.projectUuid, pipeline: input.pipelineUuid, session: input.sessionUuid, service: JUPYTER_SERVICE },
    ports: [port],
    hostPaths: [input.projectDir, dir, outputsDir],
    logPath: join(config.home, 'sessions', input.sessionUuid, `${JUPYTER_SERVICE}.log`),
    restart: 'no',
    ...(mounts.length ? { mounts } : {}),
  };
  return { definition, spec };
}

/**
 * Jupyter's idle culling of kernels (BERTH_KERNEL_IDLE_CULL_SECONDS; none when 0): a kernel idle that
 * long is shut down, checked every tenth of it (1 s to 5 min); one with a connected client only with
 * BERTH_KERNEL_CULL_CONNECTED. Busy kernels are never culled.
 */
export function kernelCullArgs(config: BerthConfig): string[] {
  const { idleSeconds, connected } = config.jupyter.cull;
  if (idleSeconds <= 0) return [];
  const interval = Math.max(1, Math.min(300, Math.floor(idleSeconds / 10)));
  return [
    `--MappingKernelManager.cull_idle_timeout=${idleSeconds}`,
    `--MappingKernelManager.cull_interval=${interval}`,
    `--MappingKernelManager.cull_connected=${connected ? 'True' : 'False'}`,
  ];
}

/** The stored definition of the session's Jupyter service: proxied with Berth's credentials, its token in env_variables (never in the view). */
export function jupyterServiceDefinition(image: string, port: number, token: string): ServiceDefinition {
  return {
    name: JUPYTER_SERVICE,
    image,
    ports: [port],
    scope: ['interactive'],
    exposed: true,
    requires_authentication: true,
    preserve_base_path: false,
    berth_restart: 'no',
    env_variables: { JUPYTER_TOKEN: token },
  };
}

/** The variables a kernel gets: the project's and pipeline's, then the ORCHEST_* / BERTH_* of a step of the session (no step uuid: the SDK finds it from the notebook). */
function kernelVariables(config: BerthConfig, input: SessionJupyterInput, outputsDir: string): Record<string, string> {
  const own = sessionKernelVariables(input, { pipelineFile: input.pipelineFile, projectDir: input.projectDir, dataDir: config.dataDir });
  const sdk = stepSdkEnvironment(outputsDir, { ...config.baseEnv, ...input.inherited });
  return { ...input.inherited, PATH: config.baseEnv.PATH ?? '/usr/local/bin:/usr/bin:/bin', BERTH_HOME: config.home, BERTH_SERVICES_HOST: '127.0.0.1', ...sdk, ...own };
}

/** The ORCHEST_* / BERTH_* variables of a session's kernels, with the paths as the kernel sees them (host or container). */
export function sessionKernelVariables(
  ids: { projectUuid: string; pipelineUuid: string; sessionUuid: string },
  at: { pipelineFile: string; projectDir: string; dataDir: string },
): Record<string, string> {
  const own: Record<string, string> = {
    ORCHEST_PROJECT_UUID: ids.projectUuid,
    ORCHEST_PIPELINE_UUID: ids.pipelineUuid,
    ORCHEST_PIPELINE_PATH: at.pipelineFile,
    ORCHEST_SESSION_UUID: ids.sessionUuid,
    ORCHEST_SESSION_TYPE: 'interactive',
    ORCHEST_PROJECT_DIR: at.projectDir,
    ORCHEST_DATA_DIR: at.dataDir,
  };
  for (const [k, v] of Object.entries({ ...own })) own[k.replace(/^ORCHEST_/, 'BERTH_')] = v;
  return own;
}

async function kernelSpecs(install: JupyterInstall, input: SessionJupyterInput, vars: Record<string, string>): Promise<KernelSpecFile[]> {
  const specs = languageKernelSpecs(install.hostKernels, vars);
  for (const env of readOrchestEnvironments(input.projectDir)) {
    if (env.problem) {
      input.onProgress?.(`jupyter: environment ${env.uuid} has no kernel: ${env.problem}`);
      continue;
    }
    const kernelEnv: KernelEnvironment = { uuid: env.uuid, name: env.name, language: env.language };
    if (env.language.toLowerCase() === 'python' && input.runtime.hostEnvironment) {
      try {
        const built = await input.runtime.hostEnvironment(input.projectDir, env.uuid, (l) => input.onProgress?.(`jupyter: environment "${env.name}": ${l}`));
        if (built.kernel) kernelEnv.venv = { python: built.python, venv: built.venv };
      } catch (e) {
        if (!isBerthError(e)) throw e;
        input.onProgress?.(`jupyter: environment "${env.name}" has no kernel: ${e.message.split('\n')[0]}`);
        continue;
      }
    }
    const spec = environmentKernelSpec(kernelEnv, install.hostKernels, vars);
    if ('problem' in spec) input.onProgress?.(`jupyter: ${spec.problem}`);
    else specs.push(spec);
  }
  return specs;
}

/**
 * Waits until the server answers `api/status` with its token (a listening port alone is not enough:
 * Jupyter binds before it may still exit). True when it did within the time; false at once when it ended.
 */
export async function jupyterAnswers(port: number, token: string, opts: { timeoutMs: number; signal?: AbortSignal; running: () => Promise<boolean> }): Promise<boolean> {
  const until = Date.now() + opts.timeoutMs;
  while (Date.now() < until) {
    opts.signal?.throwIfAborted();
    try {
      const res = await fetch(`http://127.0.0.1:${port}/api/status`, { headers: { authorization: `token ${token}` }, signal: AbortSignal.timeout(10_000) });
      await res.body?.cancel();
      if (res.status === 200) return true;
    } catch {
      // Not listening yet.
    }
    if (!(await opts.running())) return false;
    await new Promise((r) => setTimeout(r, 50));
  }
  return false;
}

/** A port nothing listens on at 127.0.0.1 right now. */
export function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

/**
 * Ends every process still running a kernel of the session's Jupyter server (its command line names
 * a connection file in the session's runtime folder): kernels run in sessions of their own, so
 * stopping the server's process group alone could leave one behind. Linux (/proc); returns the pids.
 */
export function killSessionKernels(home: string, sessionUuid: string): number[] {
  const marker = `${join(sessionJupyterDir(home, sessionUuid), 'runtime')}/kernel-`;
  const killed: number[] = [];
  let pids: string[];
  try {
    pids = readdirSync('/proc').filter((p) => /^\d+$/.test(p));
  } catch {
    return killed;
  }
  for (const pid of pids) {
    let cmdline: string;
    try {
      cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    } catch {
      continue;
    }
    if (!cmdline.includes(marker)) continue;
    try {
      process.kill(Number(pid), 'SIGKILL');
      killed.push(Number(pid));
    } catch {
      // Gone meanwhile.
    }
  }
  return killed;
}
