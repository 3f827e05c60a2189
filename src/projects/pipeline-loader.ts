import { MAX_JSON_DEPTH, tooDeepAt } from '../core/json-depth.ts';
import { existsSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { parsePipeline, validatePipeline, type ValidationResult } from '../core/pipeline-validation.ts';
import type { PipelineDefinition } from '../core/pipeline-types.ts';
import { BerthError, type Problem } from '../errors.ts';

export interface LoadedPipeline {
  pipeline: PipelineDefinition;
  /** Absolute, real path of the pipeline file. */
  file: string;
  /** The project folder: the nearest ancestor holding `.orchest/` or `.git`, else the file's folder. */
  projectDir: string;
  /** The pipeline file's path relative to the project folder. */
  relativePath: string;
}

/** A pipeline file read from disk, not yet validated. */
export interface PipelineFile {
  file: string;
  projectDir: string;
  relativePath: string;
  /** The file's folder relative to the project (posix, "" for the root). */
  pipelineDir: string;
  raw: unknown;
}

/** Finds and parses (JSON only) a pipeline file. Throws BerthError (exit 2) when missing or not JSON. */
export function readPipelineFile(path: string, projectDir?: string): PipelineFile {
  const abs = resolve(path);
  if (!existsSync(abs) || !statSync(abs).isFile()) {
    throw new BerthError('BERTH_E_PIPELINE_NOT_FOUND', `pipeline file not found: ${path}`, {
      problems: [{ path: 'PIPELINE_FILE', message: `no file at ${abs}`, fix: 'pass the path of an existing .orchest file' }],
    });
  }
  const file = realpathSync(abs);
  projectDir ??= findProjectDir(dirname(file));
  const relativePath = relative(projectDir, file);
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    const detail = e instanceof Error ? e.message : String(e);
    throw new BerthError('BERTH_E_INVALID_PIPELINE', `${relativePath} is not valid JSON`, {
      problems: [{ path: '(file)', message: `not valid JSON: ${detail}`, fix: 'fix the JSON syntax (an .orchest file is a JSON object)' }],
      details: { file },
    });
  }
  const deep = tooDeepAt(raw);
  if (deep) {
    throw new BerthError('BERTH_E_INVALID_PIPELINE', `${relativePath} nests deeper than ${MAX_JSON_DEPTH} levels`, {
      problems: [{ path: deep, message: `nests deeper than ${MAX_JSON_DEPTH} levels of objects and arrays`, fix: 'flatten it: an .orchest file needs only a few levels' }],
      details: { file },
    });
  }
  return { file, projectDir, relativePath, pipelineDir: relative(projectDir, dirname(file)).split(sep).join('/'), raw };
}

/**
 * Reads, migrates and validates a pipeline file. Throws BerthError (exit 2) listing every problem.
 * `projectDir` (a registered project's real folder) overrides the search for `.orchest`/`.git`.
 */
export function loadPipeline(path: string, projectDir?: string): LoadedPipeline {
  const { file, projectDir: dir, relativePath, pipelineDir, raw } = readPipelineFile(path, projectDir);
  try {
    return { pipeline: parsePipeline(raw, { pipelineDir }), file, projectDir: dir, relativePath };
  } catch (e) {
    if (e instanceof BerthError) e.details.file = file;
    throw e;
  }
}

/**
 * The checks `berth validate`, `berth run`, the API's validate route and its pipeline list share:
 * the document (validatePipeline) and then, on disk, every step's file (checkStepFiles). `file` is
 * where the pipeline is (or would be) stored; it need not exist.
 */
export function checkPipeline(raw: unknown, where: { file: string; projectDir: string }): ValidationResult {
  const pipelineDir = relative(where.projectDir, dirname(where.file)).split(sep).join('/');
  const result = validatePipeline(raw, { pipelineDir });
  if (!result.pipeline || result.problems.length > 0) return result;
  const problems = checkStepFiles({ pipeline: result.pipeline, file: where.file, projectDir: where.projectDir, relativePath: '' }, Object.keys(result.pipeline.steps));
  return problems.length > 0 ? { pipeline: null, problems } : result;
}

/**
 * Like loadPipeline, plus every step's file checked on disk (checkPipeline): what `berth validate`
 * and the pipeline list accept, `berth run` accepts too.
 */
export function loadCheckedPipeline(path: string, projectDir?: string): LoadedPipeline {
  const loaded = loadPipeline(path, projectDir);
  const problems = checkStepFiles(loaded, Object.keys(loaded.pipeline.steps));
  if (problems.length > 0) throw stepFileError(loaded, problems);
  return loaded;
}

/** BERTH_E_INVALID_PIPELINE for the step file problems of a loaded pipeline. */
export function stepFileError(loaded: LoadedPipeline, problems: Problem[]): BerthError {
  return new BerthError('BERTH_E_INVALID_PIPELINE', `${loaded.relativePath}: ${problems.length} step file problem(s)`, { problems, details: { file: loaded.file } });
}

function findProjectDir(start: string): string {
  for (let dir = start; ; dir = dirname(dir)) {
    if (existsSync(join(dir, '.orchest')) || existsSync(join(dir, '.git'))) return dir;
    if (dirname(dir) === dir) return start;
  }
}

/**
 * Checks, on disk, the files of the steps about to run: each exists and its real path (symlinks
 * followed) stays inside the project. Returns one problem per bad step.
 */
export function checkStepFiles(loaded: LoadedPipeline, stepUuids: string[]): Problem[] {
  const problems: Problem[] = [];
  const root = realpathSync(loaded.projectDir);
  for (const uuid of stepUuids) {
    const step = loaded.pipeline.steps[uuid];
    if (!step) continue;
    const path = `steps.${uuid}.file_path`;
    const target = resolve(dirname(loaded.file), step.file_path);
    if (!existsSync(target)) {
      problems.push({ path, message: `step "${step.title}": file ${step.file_path} does not exist`, fix: `create ${relative(root, target)} or point file_path at an existing file` });
      continue;
    }
    const real = realpathSync(target);
    const rel = relative(root, real);
    if (rel.startsWith('..') || isAbsolute(rel)) {
      problems.push({ path, message: `step "${step.title}": ${step.file_path} resolves outside the project (to ${real})`, fix: 'keep step files inside the project folder' });
    } else if (!statSync(real).isFile()) {
      problems.push({ path, message: `step "${step.title}": ${step.file_path} is not a file`, fix: 'point file_path at a script or notebook' });
    }
  }
  return problems;
}

export function projectNameOf(projectDir: string): string {
  return basename(projectDir);
}
