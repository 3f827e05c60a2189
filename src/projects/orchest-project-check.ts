import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { BerthError, formatProblem, isBerthError } from '../errors.ts';
import { readOrchestEnvironments } from '../environments/orchest-environments.ts';
import { checkStepFiles, loadPipeline } from './pipeline-loader.ts';
import { stepCommand } from '../runtimes/process/step-command.ts';

/** `uses`: what Berth will run or honour; `cannot`: what it will not (and what to do); `error`: blocks running. */
export type FindingLevel = 'uses' | 'cannot' | 'error';
export interface Finding {
  level: FindingLevel;
  /** A pipeline file, an environment folder or a step file, relative to the project. */
  subject: string;
  message: string;
}
export interface OrchestProjectReport {
  project: string;
  pipelines: { path: string; name: string | null; steps: number; services: string[]; valid: boolean }[];
  environments: { uuid: string; name: string; language: string; base_image: string; gpu_support: boolean; setup_script: boolean }[];
  findings: Finding[];
  /** No error: every pipeline loads and every step file exists. */
  ok: boolean;
}

const SKIP_DIRS = new Set(['.orchest', '.git', 'node_modules', '.ipynb_checkpoints', '__pycache__']);
const LANGUAGE_PROGRAMS: Record<string, string> = { python: 'python3', r: 'Rscript', julia: 'julia', javascript: 'node' };
/** Orchest's container paths, which mean nothing on the process runtime. */
const CONTAINER_PATHS = /["'`(\s](\/data|\/project-dir)(\/|["'`)\s])/;

/**
 * Checks an Orchest project folder before anything runs: its pipelines (format, step files, how each
 * step will run here), environments (what Berth does instead of building their images; GPU flags),
 * job parameter files, and step files that use Orchest's container paths literally. Reads only.
 */
export function checkOrchestProject(dir: string, opts: { path: string; nodePath: string }): OrchestProjectReport {
  const project = resolve(dir);
  if (!existsSync(project) || !statSync(project).isDirectory()) {
    throw new BerthError('BERTH_E_PROJECT_NOT_FOUND', `no project folder at ${dir}`, {
      problems: [{ path: 'DIR', message: `${project} is not a folder`, fix: 'pass the folder of an Orchest project (the one holding .orchest/ and the .orchest files)' }],
    });
  }
  const findings: Finding[] = [];
  const add = (level: FindingLevel, subject: string, message: string) => findings.push({ level, subject, message });
  const environments = readOrchestEnvironments(project);
  for (const env of environments) {
    const subject = `.orchest/environments/${env.uuid}`;
    if (env.problem) add('error', subject, env.problem);
    const program = LANGUAGE_PROGRAMS[env.language.toLowerCase()];
    add('uses', subject, `environment "${env.name}" (${env.language}): steps run with the local ${program ?? env.language} instead of image ${env.baseImage || '(none)'} on the process runtime`);
    if (env.hasSetupScript) add('cannot', subject, 'setup_script.sh is not run on the process runtime: install what it installs on this machine (or use a container runtime)');
    if (env.gpuSupport) add('cannot', subject, 'gpu_support: the process runtime does not allocate GPUs; steps see whatever GPUs this machine has');
  }
  const envIds = new Set(environments.map((e) => e.uuid));
  const pipelines: OrchestProjectReport['pipelines'] = [];
  const files = findPipelineFiles(project);
  if (files.length === 0) add('error', '.', 'no pipeline files (*.orchest) in this folder or below it');
  for (const file of files) {
    const rel = relative(project, file);
    try {
      const loaded = loadPipeline(file);
      const p = loaded.pipeline;
      const services = Object.keys(p.services ?? {});
      pipelines.push({ path: rel, name: p.name, steps: Object.keys(p.steps).length, services, valid: true });
      add('uses', rel, `pipeline "${p.name}" (format ${p.version}): ${Object.keys(p.steps).length} steps, parameters ${JSON.stringify(Object.keys(p.parameters))}`);
      for (const problem of checkStepFiles(loaded, Object.keys(p.steps))) add('error', rel, formatProblem(problem));
      for (const step of Object.values(p.steps)) {
        const stepFile = resolve(dirname(loaded.file), step.file_path);
        const subject = relative(project, stepFile);
        if (step.environment && !envIds.has(step.environment)) add('cannot', subject, `step "${step.title}" names environment ${step.environment}, which is not in .orchest/environments: it runs with the local interpreter`);
        if (!existsSync(stepFile)) continue;
        const cmd = stepCommand(stepFile, { path: opts.path, nodePath: opts.nodePath, notebookOut: '/dev/null', kernel: step.kernel?.name });
        if (cmd.ok) add('uses', subject, `step "${step.title}" runs with ${basename(cmd.argv[0]!)}`);
        else add('cannot', subject, `step "${step.title}" cannot run on this machine: ${cmd.reason}`);
        if (CONTAINER_PATHS.test(readText(stepFile))) {
          add('cannot', subject, `step "${step.title}" uses /data or /project-dir literally: on the process runtime read the folders from BERTH_DATA_DIR / ORCHEST_PROJECT_DIR (container runtimes mount them there)`);
        }
      }
      if (services.length > 0) add('uses', rel, `services ${services.join(', ')}: steps get their Orchest descriptions from get_service(); they start only on a runtime that runs services`);
      if (p.settings.auto_eviction !== undefined || p.settings.data_passing_memory_size !== undefined) {
        add('cannot', rel, 'settings auto_eviction / data_passing_memory_size (memory data passing) are ignored: outputs always go to disk, as in later Orchest versions');
      }
      checkParameterFile(file, project, add);
    } catch (e) {
      // One bad file is reported and the others are still checked.
      pipelines.push({ path: rel, name: null, steps: 0, services: [], valid: false });
      if (isBerthError(e)) add('error', rel, e.problems.length > 0 ? e.problems.map(formatProblem).join('; ') : e.message);
      else add('error', rel, `cannot be checked: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  return {
    project,
    pipelines,
    environments: environments.map((e) => ({ uuid: e.uuid, name: e.name, language: e.language, base_image: e.baseImage, gpu_support: e.gpuSupport, setup_script: e.hasSetupScript })),
    findings,
    ok: !findings.some((f) => f.level === 'error'),
  };
}

/** Orchest's default job grid: `<pipeline>.parameters.json` beside the pipeline file. */
function checkParameterFile(pipelineFile: string, project: string, add: (level: FindingLevel, subject: string, message: string) => void): void {
  const file = pipelineFile.replace(/\.orchest$/, '.parameters.json');
  if (!existsSync(file)) return;
  const rel = relative(project, file);
  try {
    const grid = JSON.parse(readFileSync(file, 'utf8')) as Record<string, Record<string, unknown[]>>;
    let combinations = 1;
    for (const values of Object.values(grid)) for (const list of Object.values(values)) combinations *= Array.isArray(list) ? Math.max(list.length, 1) : 1;
    add('uses', rel, `job parameter grid with ${combinations} combination${combinations === 1 ? '' : 's'} (jobs use it as their default parameters)`);
  } catch (e) {
    add('error', rel, `not valid JSON: ${e instanceof Error ? e.message : String(e)}`);
  }
}

function findPipelineFiles(root: string): string[] {
  const out: string[] = [];
  const stack = [root];
  while (stack.length > 0) {
    const dir = stack.pop()!;
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (entry.isDirectory() && !SKIP_DIRS.has(entry.name)) stack.push(join(dir, entry.name));
      else if (entry.isFile() && entry.name.endsWith('.orchest')) out.push(join(dir, entry.name));
    }
  }
  return out.sort();
}

function readText(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}
