import { OutputsDirNotSetError, StepUUIDResolveError } from './sdk-errors.ts';

/**
 * What the SDK knows about the step it runs in, from the step's environment (the SDK runs inside
 * a step's process, not in Berth's, so this is the one place it reads variables). Every path comes
 * from a variable, so container runtimes can mount the folders anywhere.
 */
export interface StepContext {
  pipelinePath: string | undefined;
  stepUuid: string;
  runUuid: string;
  outputsDir: string;
  sessionUuid: string;
  sessionType: string;
}

function env(...names: string[]): string | undefined {
  for (const name of names) {
    const value = process.env[name];
    if (value) return value;
  }
  return undefined;
}

export function pipelinePath(): string | undefined {
  return env('ORCHEST_PIPELINE_PATH', 'BERTH_PIPELINE_PATH');
}

export function stepUuid(): string {
  const uuid = env('ORCHEST_STEP_UUID', 'BERTH_STEP_UUID');
  if (!uuid) throw new StepUUIDResolveError('ORCHEST_STEP_UUID is not set: this code is not running as a pipeline step (run it with `berth run PIPELINE_FILE`)');
  return uuid;
}

export function runUuid(): string {
  return env('BERTH_RUN_UUID') ?? '';
}

export function outputsDir(): string {
  const dir = env('BERTH_OUTPUTS_DIR');
  if (!dir) {
    throw new OutputsDirNotSetError('BERTH_OUTPUTS_DIR is not set: outputs can only be passed between steps run by Berth (run the pipeline with `berth run PIPELINE_FILE`)');
  }
  return dir;
}

export function sessionUuid(): string {
  return env('ORCHEST_SESSION_UUID', 'BERTH_SESSION_UUID') ?? '';
}

/** Set by Berth when a session's services share the host's loopback (the process runtime). */
export function servicesHost(): string | undefined {
  return env('BERTH_SERVICES_HOST');
}

export function sessionType(): string {
  return env('ORCHEST_SESSION_TYPE', 'BERTH_SESSION_TYPE') ?? 'interactive';
}
