import { loadPipeline, thisStep } from './pipeline-definition.ts';

/** This step's and its pipeline's parameters, with the run's overrides applied. */
export function getParams(): { step: Record<string, unknown>; pipeline: Record<string, unknown> } {
  const pipeline = loadPipeline();
  return { step: { ...thisStep(pipeline).parameters }, pipeline: { ...pipeline.parameters } };
}

export function getStepParam<T = unknown>(name: string, fallback?: T): T | undefined {
  const { step } = getParams();
  return Object.hasOwn(step, name) ? (step[name] as T) : fallback;
}

export function getPipelineParam<T = unknown>(name: string, fallback?: T): T | undefined {
  const { pipeline } = getParams();
  return Object.hasOwn(pipeline, name) ? (pipeline[name] as T) : fallback;
}
