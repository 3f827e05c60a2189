import { tmpdir } from 'node:os';
import { resolveBaseImage } from '../core/environment-image.ts';
import { findPython } from '../runtimes/process/find-python.ts';
import { mountNamespaceSupport } from '../runtimes/process/mount-namespace.ts';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { BerthError, formatProblem, isBerthError } from '../errors.ts';
import { readOrchestEnvironments } from '../environments/orchest-environments.ts';
import { checkStepFiles, loadPipeline, readPipelineFile } from './pipeline-loader.ts';
import { stepCommand, which } from '../runtimes/process/step-command.ts';
import { stepKernelLanguage } from '../environments/step-kernel-language.ts';
import { checkLanguages, countLanguages, type LanguageReport } from './orchest-kernel-check.ts';
import { checkServices } from './orchest-service-check.ts';

/**
 * `uses`: what Berth will run or honour; `cannot`: what it will not use (the project still runs);
 * `warning`: what may stop a run (an image to pull); `error`: blocks running as is.
 */
export type FindingLevel = 'uses' | 'cannot' | 'warning' | 'error';
export interface Finding {
  level: FindingLevel;
  /** A pipeline file, an environment folder or a step file, relative to the project. */
  subject: string;
  message: string;
}
export interface OrchestProjectReport {
  project: string;
  /** The runtime the report is for (what runs where differs). */
  runtime: string;
  /** `version`: the file's own format version ("1.0.0" when it has none), not the one Berth migrates it to. */
  pipelines: { path: string; name: string | null; version: string | null; steps: number; services: string[]; valid: boolean }[];
  environments: { uuid: string; name: string; language: string; base_image: string; gpu_support: boolean; setup_script: boolean; build: string }[];
  languages: LanguageReport[];
  /** Images a container runtime needs (environment bases, services), and whether the engine has them. */
  images: { image: string; for: string; present: boolean | null }[];
  findings: Finding[];
  /** No error: every pipeline loads, every step file exists and can run on this runtime. */
  ok: boolean;
}

/** Whether an image is on the container engine (throws a BerthError when the engine does not answer). */
export type ImageProbe = (reference: string) => Promise<boolean>;

export interface OrchestCheckOptions {
  runtime: string;
  /** The environment steps start from (PATH, HOME, JUPYTER_PATH …). */
  env: Record<string, string | undefined>;
  nodePath: string;
  /** For a container runtime: asks the engine about images. */
  images?: ImageProbe;
  /** What image names mean (base images and service images: ORCHEST_BASE_IMAGES with BERTH_ORCHEST_IMAGES over it). */
  imageTable?: Readonly<Record<string, string>>;
}

const KNOWN_PIPELINE_KEYS = new Set(['name', 'uuid', 'version', 'parameters', 'settings', 'steps', 'services', 'hash']);
const KNOWN_STEP_KEYS = new Set(['uuid', 'title', 'file_path', 'incoming_connections', 'environment', 'kernel', 'parameters', 'meta_data']);

const SKIP_DIRS = new Set(['.orchest', '.git', 'node_modules', '.ipynb_checkpoints', '__pycache__']);
const LANGUAGE_PROGRAMS: Record<string, string> = { python: 'python3', r: 'Rscript', julia: 'julia', javascript: 'node' };
/** Orchest's container paths, which mean nothing on the process runtime. */
const CONTAINER_PATHS = /["'`(\s](\/data|\/project-dir)(\/|["'`)\s])/;

/**
 * Checks an Orchest project folder before anything runs, for one runtime: its pipelines (the file's
 * own version, step files, how each step runs here), the languages of its steps and whether their
 * Jupyter kernels are installed, environments (how each is built), services (what cannot run on
 * this runtime), images missing on the container engine, job parameter files, and everything Berth
 * does not use. Reads only (and asks the container engine about images).
 */
export async function checkOrchestProject(dir: string, opts: OrchestCheckOptions): Promise<OrchestProjectReport> {
  const path = opts.env.PATH ?? '';
  const container = opts.runtime !== 'process';
  const project = resolve(dir);
  if (!existsSync(project) || !statSync(project).isDirectory()) {
    throw new BerthError('BERTH_E_PROJECT_NOT_FOUND', `no project folder at ${dir}`, {
      problems: [{ path: 'DIR', message: `${project} is not a folder`, fix: 'pass the folder of an Orchest project (the one holding .orchest/ and the .orchest files)' }],
    });
  }
  const findings: Finding[] = [];
  const add = (level: FindingLevel, subject: string, message: string) => findings.push({ level, subject, message });
  const environments = readOrchestEnvironments(project);
  const builds = new Map<string, string>();
  const images: OrchestProjectReport['images'] = [];
  for (const env of environments) {
    const subject = `.orchest/environments/${env.uuid}`;
    if (env.problem) add('error', subject, env.problem);
    let build: string;
    if (container) {
      const base = resolveBaseImage(env.baseImage, opts.imageTable);
      build = `image built from ${base || '(no base image)'}${env.hasSetupScript ? ' with setup_script.sh' : ''}, once per content (berth-env/${env.uuid})`;
      add('uses', subject, `environment "${env.name}" (${env.language}): ${build}`);
      if (env.baseImage.startsWith('registry:')) add('uses', subject, `base_image "${env.baseImage}": Orchest's registry: prefix — the image is ${base}, from the registry it names (not Docker Hub)`);
      if (base) images.push({ image: base, for: `environment "${env.name}"`, present: null });
      if (env.gpuSupport) add('cannot', subject, 'gpu_support: Berth does not request GPUs from the container engine; steps see none unless the engine gives them by default');
    } else {
      const program = LANGUAGE_PROGRAMS[env.language.toLowerCase()];
      if (env.language.toLowerCase() === 'r') {
        // As ProcessEnvironments builds it: a private library, no virtual environment.
        build = `an R library (R_LIBS_USER)${env.hasSetupScript ? ' built by running setup_script.sh in the project' : ''}, once per content, instead of image ${env.baseImage || '(none)'}; its steps run with the local Rscript and notebooks on IRkernel`;
        add('uses', subject, `environment "${env.name}" (${env.language}): ${build} on the process runtime`);
        if (!which('Rscript', path)) add('error', subject, `environment "${env.name}" is built as an R library, and R (Rscript) is not on PATH: install R (e.g. apt-get install r-base-core)`);
        if (env.gpuSupport) add('cannot', subject, 'gpu_support: the process runtime does not allocate GPUs; steps see whatever GPUs this machine has');
        builds.set(env.uuid, build);
        continue;
      }
      build =
        `a Python virtual environment (python3 -m venv --system-site-packages)${env.hasSetupScript ? ' built by running setup_script.sh in the project' : ''}, once per content, ` +
        `instead of image ${env.baseImage || '(none)'}${env.language.toLowerCase() === 'python' ? '' : `; its steps run with the local ${program ?? env.language}`}`;
      add('uses', subject, `environment "${env.name}" (${env.language}): ${build} on the process runtime`);
      if (env.gpuSupport) add('cannot', subject, 'gpu_support: the process runtime does not allocate GPUs; steps see whatever GPUs this machine has');
    }
    builds.set(env.uuid, build);
  }
  const stepLanguages: { language: string | undefined; file: string }[] = [];
  const envIds = new Set(environments.map((e) => e.uuid));
  const pipelines: OrchestProjectReport['pipelines'] = [];
  const files = findPipelineFiles(project);
  if (files.length === 0) add('error', '.', 'no pipeline files (*.orchest) in this folder or below it');
  for (const file of files) {
    const rel = relative(project, file);
    let version: string | null = null;
    try {
      version = fileVersion(readPipelineFile(file).raw);
      const loaded = loadPipeline(file);
      const p = loaded.pipeline;
      const services = Object.keys(p.services ?? {});
      pipelines.push({ path: rel, name: p.name, version, steps: Object.keys(p.steps).length, services, valid: true });
      const migrated = version === p.version ? "" : `, read as ${p.version}`;
      add('uses', rel, `pipeline "${p.name}" (format ${version}${migrated}): ${Object.keys(p.steps).length} steps, parameters ${JSON.stringify(Object.keys(p.parameters))}`);
      unusedKeys(readPipelineFile(file).raw, rel, add);
      for (const problem of checkStepFiles(loaded, Object.keys(p.steps))) add('error', rel, formatProblem(problem));
      for (const step of Object.values(p.steps)) {
        const stepFile = resolve(dirname(loaded.file), step.file_path);
        const subject = relative(project, stepFile);
        const language = stepKernelLanguage(step, loaded.projectDir);
        stepLanguages.push({ language, file: stepFile });
        if (step.environment && !envIds.has(step.environment)) add('cannot', subject, `step "${step.title}" names environment ${step.environment}, which is not in .orchest/environments: it runs with the local interpreter`);
        if (!existsSync(stepFile)) continue;
        if (container) {
          const image = step.environment && envIds.has(step.environment) ? `the image of environment "${environments.find((e) => e.uuid === step.environment)!.name}"` : 'the default image';
          add('uses', subject, `step "${step.title}" runs in ${image}`);
        } else {
          const cmd = stepCommand(stepFile, { path, nodePath: opts.nodePath, notebookOut: '/dev/null', kernel: language, env: opts.env });
          if (cmd.ok) add('uses', subject, `step "${step.title}" runs with ${basename(cmd.argv[0]!)}`);
          else add('error', subject, `step "${step.title}" cannot run on this machine: ${cmd.reason}`);
          if (CONTAINER_PATHS.test(readText(stepFile))) {
            const mounts = mountNamespaceSupport(findPython(path), join(tmpdir(), 'berth-mount-probe'));
            if (mounts.ok) add('uses', subject, `step "${step.title}" uses /data or /project-dir: the process runtime mounts them in the step's own mount namespace`);
            else add('cannot', subject, `step "${step.title}" uses /data or /project-dir literally, and this machine cannot give steps a mount namespace (${mounts.reason}): read the folders from BERTH_DATA_DIR / ORCHEST_PROJECT_DIR, or use a container runtime`);
          }
        }
      }
      if (services.length > 0) {
        add('uses', rel, `services ${services.join(', ')}: steps get their Orchest descriptions from get_service()`);
        const checked = checkServices(p.services ?? {}, opts.runtime, path, opts.imageTable);
        for (const f of checked.findings) add(f.level, rel, f.message);
        for (const image of checked.images) images.push({ image, for: `pipeline "${p.name}"`, present: null });
      }
      if (p.settings.auto_eviction !== undefined || p.settings.data_passing_memory_size !== undefined) {
        add('cannot', rel, 'settings auto_eviction / data_passing_memory_size (memory data passing) are ignored: outputs always go to disk, as in later Orchest versions');
      }
      checkParameterFile(file, project, add);
    } catch (e) {
      // One bad file is reported and the others are still checked.
      pipelines.push({ path: rel, name: null, version, steps: 0, services: [], valid: false });
      if (isBerthError(e)) add('error', rel, e.problems.length > 0 ? e.problems.map(formatProblem).join('; ') : e.message);
      else add('error', rel, `cannot be checked: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  const languages = checkLanguages(countLanguages(stepLanguages), { ...opts.env, PATH: path });
  if (!container) for (const line of languages.lines) add(line.missing ? 'error' : 'uses', '.', line.message);
  if (container) await checkImages(images, opts.images, add);
  return {
    project,
    runtime: opts.runtime,
    pipelines,
    environments: environments.map((e) => ({ uuid: e.uuid, name: e.name, language: e.language, base_image: e.baseImage, gpu_support: e.gpuSupport, setup_script: e.hasSetupScript, build: builds.get(e.uuid) ?? '' })),
    languages: container ? [] : languages.report,
    images: dedupeImages(images),
    findings,
    ok: !findings.some((f) => f.level === 'error'),
  };
}

/** The format version a pipeline file states; Orchest's files without one are 1.0.0. */
function fileVersion(raw: unknown): string {
  const version = raw && typeof raw === 'object' ? (raw as Record<string, unknown>).version : undefined;
  return typeof version === 'string' && version !== '' ? version : '1.0.0';
}

/** Keys of the pipeline file and its steps that Berth does not read. */
function unusedKeys(raw: unknown, subject: string, add: (level: FindingLevel, subject: string, message: string) => void): void {
  if (!raw || typeof raw !== 'object') return;
  const top = Object.keys(raw).filter((k) => !KNOWN_PIPELINE_KEYS.has(k));
  if (top.length > 0) add('cannot', subject, `not used: ${top.map((k) => `"${k}"`).join(', ')} (fields Orchest's format does not have)`);
  const steps = (raw as Record<string, unknown>).steps;
  if (!steps || typeof steps !== 'object') return;
  const extra = new Set<string>();
  for (const step of Object.values(steps)) if (step && typeof step === 'object') for (const k of Object.keys(step)) if (!KNOWN_STEP_KEYS.has(k)) extra.add(k);
  if (extra.size > 0) add('cannot', subject, `not used: step fields ${[...extra].map((k) => `"${k}"`).join(', ')}`);
}

function dedupeImages(images: OrchestProjectReport['images']): OrchestProjectReport['images'] {
  const seen = new Map<string, OrchestProjectReport['images'][number]>();
  for (const i of images) {
    const known = seen.get(i.image);
    if (known) known.for = known.for.includes(i.for) ? known.for : `${known.for}, ${i.for}`;
    else seen.set(i.image, { ...i });
  }
  return [...seen.values()];
}

/** Asks the engine about each image; a missing one needs its registry when the run starts. */
async function checkImages(images: OrchestProjectReport['images'], probe: ImageProbe | undefined, add: (level: FindingLevel, subject: string, message: string) => void): Promise<void> {
  if (!probe) return;
  for (const entry of dedupeImages(images)) {
    let present: boolean;
    try {
      present = await probe(entry.image);
    } catch (e) {
      if (!isBerthError(e)) throw e;
      add('error', '.', `the container engine cannot be asked about images: ${e.message}`);
      return;
    }
    for (const i of images) if (i.image === entry.image) i.present = present;
    if (present) add('uses', '.', `image ${entry.image} (${entry.for}) is on the container engine`);
    else add('warning', '.', `image ${entry.image} (${entry.for}) is not on the container engine: it is pulled when first needed, which needs its registry; offline, load it first (docker load -i FILE, or docker tag a local image as ${entry.image})`);
  }
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
