import type { ProcessEnvironment } from '../environments/process-environments.ts';
import type { RuntimeName } from '../config/config.ts';
import type { PipelineStep } from '../core/pipeline-types.ts';
import type { StepIdentity } from '../core/step-environment.ts';
import type { OwnerLabels, RuntimeDriver } from '../runtimes/driver.ts';
import type { PreparedStep } from './run-executor.ts';

/** Everything about one step of a run, in host terms; a StepRuntime turns it into a workload. */
export interface StepWorkloadInput {
  id: string;
  labels: OwnerLabels;
  logPath: string;
  step: PipelineStep;
  /** Absolute host path of the step file (inside projectDir). */
  file: string;
  projectDir: string;
  runDir: string;
  /** Host paths, as the process runtime exposes them. */
  identity: StepIdentity;
  /** Run-level variables (`--env`). */
  runEnv: Record<string, string>;
  /** The project's and the pipeline's stored variables (run variables win over both). */
  storedEnv?: { project: Record<string, string>; pipeline: Record<string, string> };
  /** The SDK's outputs folder for this run (host path; BERTH_OUTPUTS_DIR). */
  outputsDir: string;
  /** Where an executed notebook is written (host path inside runDir). */
  notebookOut: string;
  /** `--python`: the interpreter of Python steps without an environment (process runtime). */
  python?: string;
  /** Progress lines of slow preparation (environment image builds). */
  onProgress?: (line: string) => void;
}

/** A runtime as the engine uses it: its driver, and how a step becomes a workload there. */
export interface StepRuntime {
  readonly name: RuntimeName;
  readonly driver: RuntimeDriver;
  /**
   * Host runtimes only: whether workloads can see host folders at fixed paths (/data, /project-dir)
   * through bind mounts in a namespace of their own, and if not why.
   */
  readonly mountSupport?: () => { ok: true } | { ok: false; reason: string };
  /** The workload spec of a step, or why it cannot run (the step then fails with that reason). */
  prepareStep(input: StepWorkloadInput): Promise<PreparedStep>;
  /**
   * Host runtimes only: an environment of the project as this host runs it (its Python virtual
   * environment, built first when needed); what a session's Jupyter kernels run with.
   */
  hostEnvironment?(projectDir: string, environmentUuid: string, onProgress?: (line: string) => void): Promise<ProcessEnvironment>;
}
