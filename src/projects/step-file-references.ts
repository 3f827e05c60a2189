import { readFileSync } from 'node:fs';
import { posix, relative, sep } from 'node:path';
import { checkStepFilePath } from '../core/step-file-path.ts';
import { BerthError } from '../errors.ts';

/** A pipeline step whose `file_path` names a project file (or a file inside a project folder). */
export interface StepReference {
  /** The pipeline file, relative to the project folder. */
  pipeline: string;
  pipeline_name: string;
  step_uuid: string;
  title: string;
  file_path: string;
}

/** A pipeline document rewritten for a rename: its new text, and the steps whose file_path changed. */
export interface PipelineRewrite {
  /** Absolute path of the pipeline file. */
  file: string;
  pipeline: string;
  uuid: string | null;
  name: string;
  before: string;
  after: string;
  steps: Array<StepReference & { new_file_path: string }>;
}

interface ParsedPipeline {
  file: string;
  path: string;
  text: string;
  doc: Record<string, unknown>;
  steps: Record<string, Record<string, unknown>>;
}

/**
 * The steps of the project's pipelines (`pipelineFiles`: absolute paths) whose file is `target` (a
 * path relative to the project), or lies inside it when `target` is a folder. A step's file_path is
 * relative to its pipeline file's folder, as in Orchest. Pipelines that are not JSON objects are skipped.
 */
export function stepsUsing(projectDir: string, pipelineFiles: string[], target: string): StepReference[] {
  const out: StepReference[] = [];
  for (const p of parsePipelines(projectDir, pipelineFiles)) {
    for (const [key, step] of Object.entries(p.steps)) {
      const fromRoot = stepFileFromRoot(p.path, step.file_path);
      if (fromRoot !== null && covers(target, fromRoot)) out.push(reference(p, key, step));
    }
  }
  return out;
}

/**
 * The rewrites a rename of `from` to `to` (project-relative; a file or a folder) makes to the
 * pipelines: each step whose file is `from` (or inside it) gets the new path, relative to its
 * pipeline's folder. Checked before anything is written: a new path a step cannot run (another
 * extension, say) refuses the rename (400 naming the steps).
 */
export function planRenameRewrites(projectDir: string, pipelineFiles: string[], from: string, to: string): PipelineRewrite[] {
  const rewrites: PipelineRewrite[] = [];
  const refused: Array<{ path: string; message: string; fix: string }> = [];
  for (const p of parsePipelines(projectDir, pipelineFiles)) {
    // A pipeline moved with its folder keeps its relative step paths.
    if (covers(from, p.path)) continue;
    const steps: PipelineRewrite['steps'] = [];
    for (const [key, step] of Object.entries(p.steps)) {
      const fromRoot = stepFileFromRoot(p.path, step.file_path);
      if (fromRoot === null || !covers(from, fromRoot)) continue;
      const renamed = to + fromRoot.slice(from.length);
      const pipelineDir = posix.dirname(p.path) === '.' ? '' : posix.dirname(p.path);
      const newPath = posix.relative(pipelineDir === '' ? '.' : pipelineDir, renamed);
      const wrong = checkStepFilePath(newPath, pipelineDir);
      const ref = reference(p, key, step);
      if (wrong) refused.push({ path: `${p.path}: steps.${key}.file_path`, message: `step "${ref.title}" would point at ${renamed}: ${wrong.message}`, fix: wrong.fix });
      step.file_path = newPath;
      steps.push({ ...ref, new_file_path: newPath });
    }
    if (steps.length === 0) continue;
    const uuid = typeof p.doc.uuid === 'string' ? p.doc.uuid : null;
    rewrites.push({ file: p.file, pipeline: p.path, uuid, name: typeof p.doc.name === 'string' ? p.doc.name : '', before: p.text, after: `${JSON.stringify(p.doc, null, 4)}\n`, steps });
  }
  if (refused.length > 0) {
    throw new BerthError('BERTH_E_INVALID_ARGUMENT', `renaming ${from} to ${to} would leave ${refused.length} step(s) with a file they cannot run; nothing was changed`, {
      problems: refused.map((r) => ({ path: 'to', message: `${r.path}: ${r.message}`, fix: `keep a name a step can run (${r.fix})` })),
    });
  }
  return rewrites;
}

function parsePipelines(projectDir: string, pipelineFiles: string[]): ParsedPipeline[] {
  const out: ParsedPipeline[] = [];
  for (const file of pipelineFiles) {
    let text: string;
    let doc: unknown;
    try {
      text = readFileSync(file, 'utf8');
      doc = JSON.parse(text);
    } catch {
      continue; // Not readable or not JSON: it names no file we could rewrite safely.
    }
    if (!isObject(doc) || !isObject(doc.steps)) continue;
    const steps: Record<string, Record<string, unknown>> = {};
    for (const [key, step] of Object.entries(doc.steps)) if (isObject(step) && typeof step.file_path === 'string') steps[key] = step;
    out.push({ file, path: relative(projectDir, file).split(sep).join('/'), text, doc, steps });
  }
  return out;
}

/** The step file as a project-relative path, or null when it leaves the project or is not a string. */
function stepFileFromRoot(pipelinePath: string, filePath: unknown): string | null {
  if (typeof filePath !== 'string' || filePath === '' || filePath.startsWith('/')) return null;
  const joined = posix.normalize(posix.join(posix.dirname(pipelinePath), filePath));
  return joined === '..' || joined.startsWith('../') || joined === '.' ? null : joined;
}

function covers(target: string, fromRoot: string): boolean {
  return fromRoot === target || fromRoot.startsWith(`${target}/`);
}

function reference(p: ParsedPipeline, key: string, step: Record<string, unknown>): StepReference {
  const uuid = typeof step.uuid === 'string' ? step.uuid : key;
  return { pipeline: p.path, pipeline_name: typeof p.doc.name === 'string' ? p.doc.name : '', step_uuid: uuid, title: typeof step.title === 'string' && step.title !== '' ? step.title : uuid, file_path: String(step.file_path) };
}

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}
