import type { JsonObject } from './pipeline-types.ts';

export interface StepIdentity {
  projectUuid: string;
  projectDir: string;
  pipelineUuid: string;
  /** The run's effective pipeline definition (parameters applied), which the SDK reads. */
  pipelinePath: string;
  stepUuid: string;
  stepTitle: string;
  runUuid: string;
  sessionUuid: string;
  sessionType: 'interactive' | 'noninteractive';
  dataDir: string;
  stepParameters: JsonObject;
  pipelineParameters: JsonObject;
}

/** Orchest's interactive session uuid: the first 18 characters of the project and pipeline uuids. */
export function interactiveSessionUuid(projectUuid: string, pipelineUuid: string): string {
  return projectUuid.slice(0, 18) + pipelineUuid.slice(0, 18);
}

/**
 * The environment of one step, lowest precedence first: inherited base, project variables,
 * pipeline variables, run variables, then Berth's own ORCHEST_* / BERTH_* (which always win,
 * as Orchest appended its variables last).
 */
export function buildStepEnvironment(
  layers: { base: Record<string, string>; project?: Record<string, string>; pipeline?: Record<string, string>; run?: Record<string, string> },
  id: StepIdentity,
): Record<string, string> {
  const own: Record<string, string> = {
    ORCHEST_PROJECT_UUID: id.projectUuid,
    ORCHEST_PIPELINE_UUID: id.pipelineUuid,
    ORCHEST_PIPELINE_PATH: id.pipelinePath,
    ORCHEST_STEP_UUID: id.stepUuid,
    ORCHEST_SESSION_UUID: id.sessionUuid,
    ORCHEST_SESSION_TYPE: id.sessionType,
    ORCHEST_PROJECT_DIR: id.projectDir,
    ORCHEST_DATA_DIR: id.dataDir,
  };
  for (const [k, v] of Object.entries({ ...own })) own[k.replace(/^ORCHEST_/, 'BERTH_')] = v;
  Object.assign(own, {
    BERTH_RUN_UUID: id.runUuid,
    BERTH_STEP_TITLE: id.stepTitle,
    BERTH_STEP_PARAMETERS: JSON.stringify(id.stepParameters),
    BERTH_PIPELINE_PARAMETERS: JSON.stringify(id.pipelineParameters),
  });
  return { ...layers.base, ...layers.project, ...layers.pipeline, ...layers.run, ...own };
}
