import { accessSync, constants, existsSync } from 'node:fs';
import { dirname, isAbsolute, join } from 'node:path';
import type { BerthConfig } from '../config/config.ts';
import { buildStepEnvironment } from '../core/step-environment.ts';
import type { Mount, RuntimeDriver } from '../runtimes/driver.ts';
import type { PreparedStep } from './run-executor.ts';
import { stepCommand } from '../runtimes/process/step-command.ts';
import { stepKernelLanguage } from '../environments/step-kernel-language.ts';
import { findPython } from '../runtimes/process/find-python.ts';
import { findNode } from '../runtimes/process/find-node.ts';
import { fileURLToPath } from 'node:url';
import { BerthError, isBerthError } from '../errors.ts';
import { environmentDir, loadEnvironment } from '../environments/environment-loader.ts';
import { environmentVariables, type ProcessEnvironment, type ProcessEnvironments } from '../environments/process-environments.ts';
import { SDK_NODE_IMPORT, stepSdkEnvironment } from './step-sdk-environment.ts';
import type { StepRuntime, StepWorkloadInput } from './step-runtime.ts';

/** Where steps on the process runtime see the data folder and the project (as in containers). */
export const PROCESS_DATA_MOUNT = '/data';
export const PROCESS_PROJECT_MOUNT = '/project-dir';

/** How long basePython's PATH search answer is kept. */
const PATH_PYTHON_MS = 2_000;

/** Step files Node.js runs (see stepCommand). */
const NODE_STEP = /\.(js|mjs|ts)$/i;

export type MountSupport = () => { ok: true } | { ok: false; reason: string };

/**
 * Steps as local processes: host paths, the host's environment. A step of an Orchest environment
 * runs with the environment's Python virtual environment, or for an R environment with its private
 * R library as R_LIBS_USER (built on first use, see ProcessEnvironments); other Python steps with BERTH_PYTHON / `--python`, else the first python3
 * on PATH. Where the host allows mount namespaces each step sees the data folder at /data and the
 * project at /project-dir (mounted in its own namespace only); where it does not, the step is told
 * so before it runs and sees them only through ORCHEST_DATA_DIR / ORCHEST_PROJECT_DIR.
 */
export class ProcessStepRuntime implements StepRuntime {
  readonly name = 'process' as const;
  readonly driver: RuntimeDriver;
  readonly #config: BerthConfig;
  readonly #environments: ProcessEnvironments;
  readonly #mountSupport: MountSupport;
  readonly mountSupport: MountSupport;
  #pathPython: { python: string | undefined; at: number } | undefined;

  /** The environments' virtual environments (environment shells activate them too). */
  get environments(): ProcessEnvironments {
    return this.#environments;
  }

  constructor(config: BerthConfig, driver: RuntimeDriver, environments: ProcessEnvironments, mountSupport: MountSupport) {
    this.#config = config;
    this.driver = driver;
    this.#environments = environments;
    this.#mountSupport = mountSupport;
    this.mountSupport = mountSupport;
  }

  async prepareStep(input: StepWorkloadInput): Promise<PreparedStep> {
    const { step, file, logPath } = input;
    const fail = (reason: string): PreparedStep => ({ ok: false, reason: `step "${step.title}" (${step.file_path}): ${reason}`, logPath });
    const env = buildStepEnvironment({ base: this.#config.baseEnv, ...input.storedEnv, run: input.runEnv }, input.identity);
    Object.assign(env, stepSdkEnvironment(input.outputsDir, env));
    const base = this.basePython(input.python);
    if (!base.ok) return fail(base.reason);
    let python = base.python;
    let kernel = stepKernelLanguage(step, input.projectDir);
    if (step.environment && existsSync(join(environmentDir(input.projectDir, step.environment), 'properties.json'))) {
      try {
        // A Python environment is a virtual environment; an R one a private library (R_LIBS_USER).
        const built = await this.#environments.ensure(loadEnvironment(input.projectDir, step.environment), python, input.projectDir, input.onProgress);
        Object.assign(env, environmentVariables(built, env));
        if (built.kind === 'python') python = built.python;
        // Orchest's R steps reach the SDK through reticulate (`reticulate::import("orchest")`): the base Python has it on PYTHONPATH.
        else if (python !== undefined && env.RETICULATE_PYTHON === undefined) env.RETICULATE_PYTHON = python;
        if (built.kernel && (!kernel || kernel === 'python' || kernel.startsWith('orchest-kernel-'))) kernel = built.kernel;
      } catch (e) {
        if (isBerthError(e)) return fail(e.message);
        throw e;
      }
    }
    let nodePath = process.execPath;
    if (NODE_STEP.test(file)) {
      // A step dropped to the workload user needs a Node.js that user can run (Berth's own may live under /root).
      const node = findNode({ current: process.execPath, path: env.PATH ?? '', forOtherUsers: this.#config.hostWorkloads === 'workload-user', user: this.#config.workloadUser, sdk: fileURLToPath(SDK_NODE_IMPORT) });
      if (!node.ok) return fail(node.reason);
      nodePath = node.node;
    }
    const cmd = stepCommand(file, { path: env.PATH ?? '', nodePath, nodeImport: SDK_NODE_IMPORT, notebookOut: input.notebookOut, kernel, python, env });
    if (!cmd.ok) return fail(cmd.reason);
    const mounts: Mount[] = [];
    const support = this.#mountSupport();
    if (support.ok) {
      mounts.push({ source: input.identity.dataDir, target: PROCESS_DATA_MOUNT }, { source: input.projectDir, target: PROCESS_PROJECT_MOUNT });
    } else if (support.reason !== 'BERTH_PROCESS_MOUNTS=off') {
      input.onProgress?.(`/data and /project-dir are not available to this step (${support.reason}); it sees the data folder at ${input.identity.dataDir} (ORCHEST_DATA_DIR) and the project at ${input.projectDir} (ORCHEST_PROJECT_DIR)`);
    }
    return { ok: true, spec: { id: input.id, command: cmd.argv, cwd: dirname(file), env, labels: input.labels, logPath, hostPaths: [input.projectDir, input.runDir, input.outputsDir], ...(mounts.length ? { mounts } : {}) } };
  }

  async hostEnvironment(projectDir: string, environmentUuid: string, onProgress?: (line: string) => void): Promise<ProcessEnvironment> {
    const base = this.basePython();
    if (!base.ok || base.python === undefined) {
      throw new BerthError('BERTH_E_ENV_BUILD', base.ok ? 'no python3 on PATH to build the environment with: install Python 3 or set BERTH_PYTHON' : base.reason, {
        problems: [{ path: 'BERTH_PYTHON', message: 'no base interpreter', fix: 'install Python 3 or set BERTH_PYTHON to one' }],
      });
    }
    return this.#environments.ensure(loadEnvironment(projectDir, environmentUuid), base.python, projectDir, onProgress);
  }

  /** The interpreter of Python steps without an environment: `--python`, BERTH_PYTHON, else the first python3 on PATH. */
  basePython(override?: string): { ok: true; python: string | undefined } | { ok: false; reason: string } {
    const chosen = override ?? this.#config.python;
    if (chosen === undefined) {
      // Asked by every step; the answer is kept briefly (a python3 installed meanwhile is seen within seconds).
      const now = performance.now();
      if (this.#pathPython === undefined || now - this.#pathPython.at > PATH_PYTHON_MS) {
        // Workloads dropped to the workload user need an interpreter that user can run.
        this.#pathPython = { python: findPython(this.#config.baseEnv.PATH, { forOtherUsers: this.#config.hostWorkloads === 'workload-user' }), at: now };
      }
      return { ok: true, python: this.#pathPython.python };
    }
    const field = override !== undefined ? '--python' : 'BERTH_PYTHON';
    if (!isAbsolute(chosen)) return { ok: false, reason: `${field}=${chosen} must be an absolute path to a python3 executable` };
    try {
      accessSync(chosen, constants.X_OK);
    } catch {
      return { ok: false, reason: `${field}=${chosen} is not an executable file: point it at an installed python3` };
    }
    return { ok: true, python: chosen };
  }
}
