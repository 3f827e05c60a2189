import { readFileSync } from 'node:fs';
import { PipelineDefinitionNotFoundError, StepUUIDResolveError } from './sdk-errors.ts';
import { pipelinePath, stepUuid } from './step-context.ts';

export interface SdkStep {
  title?: string;
  incoming_connections?: string[];
  parameters?: Record<string, unknown>;
}

export interface SdkPipeline {
  name?: string;
  parameters?: Record<string, unknown>;
  steps?: Record<string, SdkStep>;
  services?: Record<string, Record<string, unknown> & { name: string; ports?: number[]; scope?: string[]; preserve_base_path?: boolean }>;
}

/** The run's pipeline definition (ORCHEST_PIPELINE_PATH), with the run's parameters applied. */
export function loadPipeline(): SdkPipeline {
  const path = pipelinePath();
  if (!path) throw new PipelineDefinitionNotFoundError('ORCHEST_PIPELINE_PATH is not set: this code is not running as a pipeline step (run it with `berth run PIPELINE_FILE`)');
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    throw new PipelineDefinitionNotFoundError(`the pipeline definition ${path} cannot be read`);
  }
  try {
    return JSON.parse(text) as SdkPipeline;
  } catch (e) {
    throw new PipelineDefinitionNotFoundError(`the pipeline definition ${path} is not valid JSON: ${(e as Error).message}`);
  }
}

export function thisStep(pipeline: SdkPipeline): SdkStep {
  const uuid = stepUuid();
  const step = pipeline.steps?.[uuid];
  if (!step) throw new StepUUIDResolveError(`step ${uuid} (ORCHEST_STEP_UUID) is not in pipeline ${JSON.stringify(pipeline.name)}`);
  return step;
}
