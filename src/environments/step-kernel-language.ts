import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { PipelineStep } from '../core/pipeline-types.ts';

/**
 * The kernel (language) a notebook step runs with: its environment's language when the step names
 * an environment of the project (Orchest set the step's kernel from it; a file without one defaults
 * to Python), the environment of an Orchest kernel name ("orchest-kernel-<uuid>"), else the step's
 * own kernel name.
 */
export function stepKernelLanguage(step: Pick<PipelineStep, 'environment' | 'kernel'>, projectDir: string): string | undefined {
  const named = step.kernel?.name;
  const orchestKernel = named?.startsWith('orchest-kernel-') ? named.slice('orchest-kernel-'.length) : undefined;
  const envUuid = step.environment || orchestKernel;
  if (envUuid && !envUuid.includes('/') && !envUuid.includes('..')) {
    const language = environmentLanguage(projectDir, envUuid);
    if (language) return language;
  }
  return orchestKernel ? 'python' : named;
}

function environmentLanguage(projectDir: string, uuid: string): string | undefined {
  try {
    const props = JSON.parse(readFileSync(join(projectDir, '.orchest', 'environments', uuid, 'properties.json'), 'utf8')) as { language?: unknown };
    return typeof props.language === 'string' && props.language ? props.language.toLowerCase() : undefined;
  } catch {
    return undefined;
  }
}
