import type { Engine } from '../../engine/engine.ts';
import { envVarTarget, type EnvVarInfo } from '../../projects/env-vars.ts';

/** Whose variable: a registered project (by name or uuid) or one pipeline file's pipeline. */
export interface EnvVarRef {
  project?: string;
  pipelineFile?: string;
}

/** `berth env-var`: the same operations in-process and over the REST API. */
export interface EnvVarBackend {
  list(ref: EnvVarRef): Promise<EnvVarInfo[]>;
  set(ref: EnvVarRef, name: string, value: string): Promise<EnvVarInfo>;
  remove(ref: EnvVarRef, name: string): Promise<void>;
}

/** The in-process backend: the engine's variables. */
export function localEnvVars(engine: Engine): EnvVarBackend {
  const target = (ref: EnvVarRef) => envVarTarget(engine.projects, { project: ref.project, pipelineFile: ref.pipelineFile });
  return {
    list: async (ref) => engine.envVars.list(await target(ref)),
    set: async (ref, name, value) => engine.envVars.set(await target(ref), name, value),
    remove: async (ref, name) => engine.envVars.remove(await target(ref), name),
  };
}
