import { stepKernelLanguage } from '../environments/step-kernel-language.ts';
import { statSync } from 'node:fs';
import { dirname, posix, relative, sep } from 'node:path';
import type { BerthConfig, RuntimeName } from '../config/config.ts';
import { environmentReference } from '../core/environment-image.ts';
import { buildStepEnvironment } from '../core/step-environment.ts';
import { resourceFields, withEnvironmentGpu, workloadResources, type WorkloadResources } from '../core/workload-resources.ts';
import type { RuntimeDriver } from '../runtimes/driver.ts';
import { isBerthError } from '../errors.ts';
import { containerStepCommand } from './container-step-command.ts';
import type { EnvironmentImages } from '../environments/environment-images.ts';
import { loadEnvironment } from '../environments/environment-loader.ts';
import type { PreparedStep } from './run-executor.ts';
import { SDK_PYTHON_DIR } from './step-sdk-environment.ts';
import type { StepRuntime, StepWorkloadInput } from './step-runtime.ts';

/** Where a step container sees the project, the data folder and its run's folder. */
export const PROJECT_MOUNT = '/project-dir';
export const DATA_MOUNT = '/data';
export const RUN_MOUNT = '/berth-run';
/** The run's step outputs (BERTH_OUTPUTS_DIR) and the Python SDK (read-only, first on PYTHONPATH). */
export const OUTPUTS_MOUNT = '/berth-outputs';
export const SDK_PYTHON_MOUNT = '/berth-sdk/python';

/**
 * Steps as containers: the image comes from the step's `berth_image` (an image, or
 * `environment@<uuid>`), else its Orchest environment (built on first use, by content hash), else
 * the configured default. The project is mounted at /project-dir, the data folder at /data, the
 * run folder (pipeline.json, executed notebooks) at /berth-run, the run's step outputs at
 * /berth-outputs and the Python SDK (`import orchest`) at /berth-sdk/python; the working directory is the step
 * file's folder; the process runs as the project folder's owner. Only Berth's own variables and the
 * run's are passed in: the host's environment stays on the host. The step's `berth_resources` become
 * the spec's requests, limits and GPUs (one GPU for a gpu_support environment unless it says).
 */
export class ContainerStepRuntime implements StepRuntime {
  readonly name: RuntimeName;
  readonly driver: RuntimeDriver;
  readonly #config: BerthConfig;
  readonly #images: EnvironmentImages;

  /** `name`: the runtime the runs are recorded under (docker, kubernetes). */
  constructor(config: BerthConfig, driver: RuntimeDriver, images: EnvironmentImages, name: RuntimeName = 'docker') {
    this.name = name;
    this.#config = config;
    this.driver = driver;
    this.#images = images;
  }

  async prepareStep(input: StepWorkloadInput): Promise<PreparedStep> {
    const { step, logPath } = input;
    const fail = (reason: string): PreparedStep => ({ ok: false, reason: `step "${step.title}" (${step.file_path}): ${reason}`, logPath });
    const file = posix.join(PROJECT_MOUNT, toPosix(relative(input.projectDir, input.file)));
    const notebookOut = posix.join(RUN_MOUNT, toPosix(relative(input.runDir, input.notebookOut)));
    const cmd = containerStepCommand(file, { notebookOut, kernel: stepKernelLanguage(step, input.projectDir) });
    if (!cmd.ok) return fail(cmd.reason);
    let image: string;
    let resources: WorkloadResources;
    try {
      const resolved = await this.#image(input);
      image = resolved.image;
      resources = withEnvironmentGpu(workloadResources(step.berth_resources, `steps.${step.uuid}`), resolved.gpuSupport);
    } catch (e) {
      if (isBerthError(e)) return fail(e.message);
      throw e;
    }
    const env = buildStepEnvironment(
      { base: {}, ...input.storedEnv, run: input.runEnv },
      { ...input.identity, projectDir: PROJECT_MOUNT, dataDir: DATA_MOUNT, pipelinePath: posix.join(RUN_MOUNT, 'pipeline.json') },
    );
    env.BERTH_OUTPUTS_DIR = OUTPUTS_MOUNT;
    env.PYTHONPATH = env.PYTHONPATH ? `${SDK_PYTHON_MOUNT}:${env.PYTHONPATH}` : SDK_PYTHON_MOUNT;
    const owner = statSync(input.projectDir);
    return {
      ok: true,
      spec: {
        id: input.id,
        command: cmd.argv,
        cwd: posix.dirname(file),
        env,
        labels: input.labels,
        image,
        mounts: [
          { source: input.projectDir, target: PROJECT_MOUNT },
          { source: input.identity.dataDir, target: DATA_MOUNT },
          { source: input.runDir, target: RUN_MOUNT },
          // The steps' logs, which the server (root) appends to and serves: read-only, so no step can swap one for a link to a host file.
          ...(relative(input.runDir, dirname(logPath)) === 'logs' ? [{ source: dirname(logPath), target: posix.join(RUN_MOUNT, 'logs'), readOnly: true }] : []),
          { source: input.outputsDir, target: OUTPUTS_MOUNT },
          { source: SDK_PYTHON_DIR, target: SDK_PYTHON_MOUNT, readOnly: true },
        ],
        user: `${owner.uid}:${owner.gid}`,
        logPath,
        ...resourceFields(resources),
      },
    };
  }

  /** The step's image, and whether it is an environment's with gpu_support. */
  async #image(input: StepWorkloadInput): Promise<{ image: string; gpuSupport: boolean }> {
    const own = input.step.berth_image;
    const ref = typeof own === 'string' && own.trim() ? own.trim() : input.step.environment ? `environment@${input.step.environment}` : null;
    if (ref === null) return { image: this.#config.dockerDefaultImage, gpuSupport: false };
    const uuid = environmentReference(ref);
    if (uuid === null) return { image: ref, gpuSupport: false };
    const env = loadEnvironment(input.projectDir, uuid);
    return { image: (await this.#images.ensure(env, input.onProgress, input.projectDir)).image, gpuSupport: env.gpuSupport === true };
  }
}

function toPosix(path: string): string {
  return path.split(sep).join('/');
}

