import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, relative, sep } from 'node:path';
import { jsonErrorAt, type JsonErrorAt } from '../core/json-error-at.ts';
import { validatePipeline } from '../core/pipeline-validation.ts';
import type { PipelineDefinition } from '../core/pipeline-types.ts';
import { BerthError, type Problem } from '../errors.ts';
import { checkStepFiles } from './pipeline-loader.ts';

/** The most of a pipeline file the editor opens as text (larger files are refused with a clear error). */
export const MAX_SOURCE_BYTES = 5 * 1024 * 1024;


export interface PipelineSource {
  path: string;
  /** The file's text as it is on disk. */
  text: string;
  /** The parsed JSON (migrated to the latest version when it is an object), or null when it is not JSON. */
  document: Record<string, unknown> | null;
  json_error: JsonErrorAt | null;
  /** Every problem of the document: the validator's, plus step files that are missing or outside the project. */
  problems: Problem[];
}

/**
 * A pipeline file as the editor opens it, valid or not: its text, its JSON (or where the JSON
 * breaks), and each problem with the path of the step, connection or field it is about. Invalid
 * files are answered too (200), so they can be repaired; only a missing or huge file is an error.
 */
export function pipelineSource(projectDir: string, file: string, path: string): PipelineSource {
  const size = statSync(file).size;
  if (size > MAX_SOURCE_BYTES) {
    throw new BerthError('BERTH_E_INVALID_PIPELINE', `${path} is ${size} bytes; the editor opens pipeline files of at most ${MAX_SOURCE_BYTES} bytes`, {
      problems: [{ path: 'pipeline', message: `the file is larger than ${MAX_SOURCE_BYTES} bytes`, fix: 'edit it outside the web UI, or split the pipeline' }],
    });
  }
  const text = readFileSync(file, 'utf8');
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    const json_error = jsonErrorAt(text, e instanceof Error ? e.message : String(e));
    const where = json_error.line !== null ? ` at line ${json_error.line}, column ${json_error.column}` : '';
    return { path, text, document: null, json_error, problems: [{ path: '(file)', message: `not valid JSON${where}: ${json_error.message}`, fix: 'fix the JSON syntax (an .orchest file is a JSON object)' }] };
  }
  const pipelineDir = relative(projectDir, dirname(file)).split(sep).join('/');
  const { problems } = validatePipeline(raw, { pipelineDir });
  const document = raw !== null && typeof raw === 'object' && !Array.isArray(raw) ? (raw as Record<string, unknown>) : null;
  return { path, text, document, json_error: null, problems: [...problems, ...missingStepFiles(projectDir, file, document, problems)] };
}

/** Step files that do not exist (or leave the project), for steps whose file_path the validator accepted. */
export function missingStepFiles(projectDir: string, file: string, doc: Record<string, unknown> | null, known: Problem[]): Problem[] {
  const steps = doc?.steps;
  if (!steps || typeof steps !== 'object' || Array.isArray(steps) || !existsSync(projectDir)) return [];
  const checkable: PipelineDefinition['steps'] = {};
  for (const [key, step] of Object.entries(steps as Record<string, Record<string, unknown>>)) {
    if (!step || typeof step !== 'object' || typeof step.file_path !== 'string' || step.file_path === '') continue;
    if (known.some((p) => p.path === `steps.${key}.file_path`)) continue;
    checkable[key] = { ...(step as unknown as PipelineDefinition['steps'][string]), title: typeof step.title === 'string' ? step.title : key };
  }
  const found = checkStepFiles({ pipeline: { steps: checkable } as PipelineDefinition, file, projectDir, relativePath: '' }, Object.keys(checkable));
  return found.filter((p) => !known.some((k) => k.path === p.path && k.message === p.message));
}
