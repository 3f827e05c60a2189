import { dirname } from 'node:path';
import type { BerthConfig } from '../config/config.ts';
import { buildStepEnvironment } from '../core/step-environment.ts';
import type { RuntimeDriver } from '../runtimes/driver.ts';
import type { PreparedStep } from './run-executor.ts';
import { stepCommand } from '../runtimes/process/step-command.ts';
import { stepKernelLanguage } from '../environments/step-kernel-language.ts';
import { SDK_NODE_IMPORT, stepSdkEnvironment } from './step-sdk-environment.ts';
import type { StepRuntime, StepWorkloadInput } from './step-runtime.ts';

/** Steps as local processes: host paths, the host's environment, interpreters found on PATH. */
export class ProcessStepRuntime implements StepRuntime {
  readonly name = 'process' as const;
  readonly driver: RuntimeDriver;
  readonly #config: BerthConfig;

  constructor(config: BerthConfig, driver: RuntimeDriver) {
    this.#config = config;
    this.driver = driver;
  }

  async prepareStep(input: StepWorkloadInput): Promise<PreparedStep> {
    const { step, file, logPath } = input;
    const env = buildStepEnvironment({ base: this.#config.baseEnv, ...input.storedEnv, run: input.runEnv }, input.identity);
    Object.assign(env, stepSdkEnvironment(input.outputsDir, env));
    const cmd = stepCommand(file, { path: env.PATH ?? '', nodePath: process.execPath, nodeImport: SDK_NODE_IMPORT, notebookOut: input.notebookOut, kernel: stepKernelLanguage(step, input.projectDir), env });
    if (!cmd.ok) return { ok: false, reason: `step "${step.title}" (${step.file_path}): ${cmd.reason}`, logPath };
    return { ok: true, spec: { id: input.id, command: cmd.argv, cwd: dirname(file), env, labels: input.labels, logPath } };
  }
}
