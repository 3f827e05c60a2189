import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync, realpathSync, rmSync, statSync, type Dirent } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { dirname, isAbsolute, relative, sep } from 'node:path';
import type { Kysely } from 'kysely';
import { serializePipeline, validatePipeline, type ValidationResult } from '../core/pipeline-validation.ts';
import type { PipelineDefinition } from '../core/pipeline-types.ts';
import { BerthError } from '../errors.ts';
import type { StateChangeHook } from '../store/state-change.ts';
import { ProjectRepository, type Project } from '../store/project-repository.ts';
import type { Database } from '../store/tables.ts';
import { insideRoot, writeInsideRoot } from './inside-root.ts';
import { checkPipeline, checkStepFiles, loadPipeline, projectNameOf, type LoadedPipeline } from './pipeline-loader.ts';
import { pipelineSource, type PipelineSource } from './pipeline-source.ts';
import { ProjectFileChanges } from './project-file-changes.ts';

export const PROJECT_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;
const SKIP_DIRS = new Set(['.git', 'node_modules', '.venv', '__pycache__']);
const MAX_SCAN = 10_000;

export interface PipelineSummary {
  path: string;
  uuid: string | null;
  name: string | null;
  valid: boolean;
  problems: number;
}

/** Projects (a registered folder) and their pipeline files: what the API's project routes do. */
export class ProjectCatalog {
  readonly #projects: ProjectRepository;

  /** `hook`: the engine's state-change hook (required), so registering a project records its event. */
  constructor(db: Kysely<Database>, opts: { hook: StateChangeHook }) {
    this.#projects = new ProjectRepository(db, opts);
  }

  /** 400 for a name that is not a project name, 409 when a project has it. */
  async checkNewName(name: string): Promise<void> {
    checkName(name);
    if ((await this.#projects.findByRef(name)).length > 0) throw conflict('name', `a project named "${name}" exists`, 'choose another name');
  }

  /** Registers a folder as a project. 409 when the name or the folder is taken. */
  async create(name: string, path: string): Promise<Project> {
    checkName(name);
    const real = existingFolder(path);
    if ((await this.#projects.findByRef(name)).length > 0) throw conflict('name', `a project named "${name}" exists`, 'choose another name');
    const project: Project = { uuid: randomUUID(), name, path: real, created_at: new Date().toISOString() };
    if (!(await this.#projects.insert(project))) {
      const other = await this.#projects.findByPath(real);
      throw conflict('path', `${real} is already project "${other?.name}"`, `use the project "${other?.name}" (${other?.uuid})`);
    }
    return project;
  }

  async list(): Promise<Project[]> {
    return this.#projects.list();
  }

  /** A project by uuid or name (404 unknown, 409 when a name is shared: use the uuid). */
  async find(ref: string): Promise<Project> {
    const found = await this.#projects.findByRef(ref);
    const exact = found.find((p) => p.uuid === ref);
    if (exact) return exact;
    if (found.length === 1) return found[0]!;
    if (found.length === 0) {
      throw new BerthError('BERTH_E_PROJECT_NOT_FOUND', `no project "${ref}"`, {
        problems: [{ path: 'project', message: 'no project has this name or uuid', fix: 'create it with POST /api/projects {name, path} or see GET /api/projects' }],
      });
    }
    throw conflict('project', `${found.length} projects are named "${ref}"`, `use a uuid: ${found.map((p) => p.uuid).join(', ')}`);
  }

  /** The project of a folder, registered (named after the folder) when it is not yet, as runs do. */
  async ensure(dir: string): Promise<Project> {
    const real = realpathSync(dir);
    return this.#projects.ensure(real, projectNameOf(real), new Date().toISOString());
  }

  /** The project of a pipeline file and the pipeline itself, registered when new (as runs do). */
  async ensurePipeline(loaded: LoadedPipeline): Promise<{ project: Project; pipelineUuid: string }> {
    const now = new Date().toISOString();
    const project = await this.#projects.ensure(loaded.projectDir, projectNameOf(loaded.projectDir), now);
    await this.#projects.touchPipeline(project.uuid, loaded.pipeline.uuid, loaded.relativePath, loaded.pipeline.name, now);
    return { project, pipelineUuid: loaded.pipeline.uuid };
  }

  /** The project registered for a folder, if any. */
  async findByPath(path: string): Promise<Project | undefined> {
    return this.#projects.findByPath(path);
  }

  /**
   * Every `*.orchest` file in the project, valid or not. The walk is asynchronous (the server keeps
   * answering while a large folder is listed) and bounded: at most MAX_SCAN files and MAX_DIRS
   * folders (past that a 400 says to register a smaller folder). Subfolders that cannot be read are
   * skipped; a project folder that cannot be read at all is a 403 (gone: 409).
   */
  async pipelines(project: Project): Promise<PipelineSummary[]> {
    if (dirname(project.path) === project.path) {
      throw invalid('project.path', `project "${project.name}" is the filesystem root ${project.path}`, 'point the project at the folder that holds its pipelines (PATCH /api/projects/{project} {"path": …})');
    }
    const files = await pipelineFiles(project);
    const out: PipelineSummary[] = [];
    for (const file of files) {
      out.push(summarise(project, file));
      if (out.length % 64 === 0) await new Promise((r) => setImmediate(r));
    }
    return out.sort((a, b) => a.path.localeCompare(b.path));
  }

  /** A pipeline by its path in the project or its uuid, migrated to the latest version. */
  async read(project: Project, ref: string): Promise<{ path: string; file: string; pipeline: PipelineDefinition }> {
    const file = await this.resolve(project, ref);
    const loaded = loadPipeline(file);
    return { path: projectPath(project, loaded.file), file: loaded.file, pipeline: loaded.pipeline };
  }

  /** A pipeline file as the editor opens it, valid or not: text, JSON or where it breaks, every problem. */
  async source(project: Project, ref: string): Promise<PipelineSource> {
    const file = await this.resolve(project, ref);
    if (!file.endsWith('.orchest') || !statSync(file).isFile()) throw invalid('pipeline', `${ref} is not a .orchest file`, 'name a pipeline file like "main.orchest"');
    return pipelineSource(project.path, file, projectPath(project, file));
  }

  /** The file a pipeline reference (project-relative path or uuid) names; 404 when there is none. */
  async resolve(project: Project, ref: string): Promise<string> {
    if (/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(ref)) {
      const hit = (await this.pipelines(project)).find((p) => p.uuid === ref);
      if (hit) return insideRoot(project.path, hit.path, 'pipeline');
    }
    const file = insideRoot(project.path, ref, 'pipeline');
    if (!existsSync(file)) {
      throw new BerthError('BERTH_E_PIPELINE_NOT_FOUND', `project "${project.name}" has no pipeline ${ref}`, {
        problems: [{ path: 'pipeline', message: 'no such file or pipeline uuid in the project', fix: 'see GET /api/projects/{project}/pipelines' }],
      });
    }
    return file;
  }

  /** Checks a pipeline document as if it were stored at `path` in the project, step files included (checkPipeline). */
  validate(project: Project, raw: unknown, path: string): ValidationResult {
    return checkPipeline(raw, { file: pipelineFile(project, path), projectDir: project.path });
  }

  /** The project's files, renamed and deleted with the steps that use them in mind (project-file-changes.ts). */
  fileChanges(project: Project): ProjectFileChanges {
    return new ProjectFileChanges(project, {
      pipelineFiles: () => pipelineFiles(project),
      savePipeline: (pipeline, write) => this.#projects.savePipeline(project.uuid, pipeline, new Date().toISOString(), write),
    });
  }

  /**
   * Validates and writes a pipeline as Orchest 1.2.3 (`project:pipeline:created` / `updated`, recorded
   * with the write). Returns whether the file is new.
   */
  async write(project: Project, path: string, raw: unknown): Promise<{ created: boolean; pipeline: PipelineDefinition }> {
    const file = pipelineFile(project, path);
    // The document only: a step whose file is yet to be written can be saved (validate and runs flag it).
    const { pipeline, problems } = validatePipeline(raw, { pipelineDir: relative(project.path, dirname(file)).split(sep).join('/') });
    if (!pipeline || problems.length > 0) {
      throw new BerthError('BERTH_E_INVALID_PIPELINE', `invalid pipeline: ${problems.length} problem(s)`, { problems });
    }
    const created = !existsSync(file);
    await this.#projects.savePipeline(project.uuid, { uuid: pipeline.uuid, path: projectPath(project, file), name: pipeline.name }, new Date().toISOString(), () => {
      writeInsideRoot(project.path, projectPath(project, file), 'path', serializePipeline(pipeline));
    });
    return { created, pipeline };
  }

  /**
   * Deletes a pipeline file (by project path or uuid) with `project:pipeline:deleted`. A file that is
   * not a readable pipeline (no uuid to name) is deleted without an event.
   */
  async removePipeline(project: Project, ref: string): Promise<{ path: string; uuid: string | null }> {
    const file = await this.resolve(project, ref);
    if (!file.endsWith('.orchest') || !statSync(file).isFile()) throw invalid('pipeline', `${ref} is not a .orchest file`, 'name a pipeline file like "main.orchest"');
    const path = projectPath(project, file);
    const identity = pipelineIdentity(file);
    if (identity === null) {
      rmSync(file);
      return { path, uuid: null };
    }
    await this.#projects.removePipeline(project.uuid, { ...identity, path }, new Date().toISOString(), () => rmSync(file));
    return { path, uuid: identity.uuid };
  }

  /** Renames a project and/or points it at another folder (`project:updated`). The folders are not touched. */
  async update(project: Project, patch: { name?: string; path?: string }): Promise<Project> {
    if (patch.name === undefined && patch.path === undefined) throw invalid('body', 'nothing to change', 'give "name" and/or "path"');
    const set: { name?: string; path?: string } = {};
    if (patch.name !== undefined && patch.name !== project.name) {
      checkName(patch.name);
      if ((await this.#projects.findByRef(patch.name)).some((p) => p.uuid !== project.uuid)) throw conflict('name', `a project named "${patch.name}" exists`, 'choose another name');
      set.name = patch.name;
    }
    if (patch.path !== undefined) {
      const real = existingFolder(patch.path);
      const other = await this.#projects.findByPath(real);
      if (other && other.uuid !== project.uuid) throw conflict('path', `${real} is already project "${other.name}"`, `use the project "${other.name}" (${other.uuid})`);
      if (real !== project.path) set.path = real;
    }
    if (Object.keys(set).length > 0 && !(await this.#projects.update(project.uuid, set))) return this.find(project.uuid);
    return { ...project, ...set };
  }

  /**
   * Unregisters a project (`project:deleted`); its folder and files are never touched. While runs,
   * sessions, jobs or services are active this is a 409 naming them, unless `force`: then `stop` ends
   * them first (runs cancelled, sessions stopped, jobs cancelled, services removed).
   */
  async remove(project: Project, opts: { force: boolean; stop: (work: ProjectWork) => Promise<void> }): Promise<Project> {
    const work = await this.#projects.activeWork(project.uuid);
    const busy = [
      ...work.runs.map((r) => `run ${r}`),
      ...work.sessions.map((s) => `session ${s.uuid}`),
      ...work.jobs.map((j) => `job ${j}`),
      ...work.services.map((n) => `service ${n}`),
    ];
    if (busy.length > 0) {
      if (!opts.force) {
        throw new BerthError('BERTH_E_CONFLICT', `project "${project.name}" is in use: ${busy.join(', ')}`, {
          problems: busy.map((b) => ({ path: 'project', message: `${b} is active`, fix: 'stop it first, or force the delete (?force=1 / --force), which stops everything of the project' })),
        });
      }
      await opts.stop(work);
    }
    await this.#projects.remove(project.uuid);
    return project;
  }
}

/** What is active in a project (see ProjectRepository.activeWork). */
export type ProjectWork = Awaited<ReturnType<ProjectRepository['activeWork']>>;

function projectPath(project: Project, file: string): string {
  return relative(project.path, file).split(sep).join('/');
}

/** The uuid and name a pipeline file declares (even when the file is otherwise invalid), or null. */
function pipelineIdentity(file: string): { uuid: string; name: string } | null {
  try {
    const raw = JSON.parse(readFileSync(file, 'utf8')) as { uuid?: unknown; name?: unknown };
    return typeof raw.uuid === 'string' && raw.uuid !== '' ? { uuid: raw.uuid, name: typeof raw.name === 'string' ? raw.name : '' } : null;
  } catch {
    return null;
  }
}

function checkName(name: string): void {
  if (!PROJECT_NAME_PATTERN.test(name)) {
    throw invalid('name', `"${name}" is not a valid project name`, 'use 1–63 letters, digits, ".", "_" or "-", starting with a letter or digit');
  }
}

function existingFolder(path: string): string {
  if (!isAbsolute(path) || !existsSync(path) || !statSync(path).isDirectory()) {
    throw invalid('path', `${path} is not an existing folder (absolute path) on the server`, 'give the absolute path of the project folder');
  }
  const real = realpathSync(path);
  if (dirname(real) === real) throw invalid('path', `${path} is the filesystem root`, 'give the folder that holds the project, not "/"');
  return real;
}

const MAX_DIRS = 50_000;
const PARALLEL_READS = 8;

/** The `.orchest` files under the project folder (see pipelines()). */
async function pipelineFiles(project: Project): Promise<string[]> {
  const files: string[] = [];
  const queue = [project.path];
  let dirs = 0;
  const readFolder = async (dir: string) => {
    let entries: Dirent[];
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch (e) {
      if (dir === project.path) throw unreadableProject(project, e as NodeJS.ErrnoException);
      return; // A subfolder that cannot be read (permissions, removed meanwhile) holds no pipeline we can list.
    }
    for (const entry of entries) {
      const full = `${dir}${sep}${entry.name}`;
      if (entry.isDirectory() && !SKIP_DIRS.has(entry.name)) queue.push(full);
      else if (entry.isFile() && entry.name.endsWith('.orchest') && files.length < MAX_SCAN) files.push(full);
    }
  };
  while (queue.length > 0 && files.length < MAX_SCAN) {
    const batch = queue.splice(0, PARALLEL_READS);
    dirs += batch.length;
    if (dirs > MAX_DIRS) {
      throw invalid('project.path', `project "${project.name}" has more than ${MAX_DIRS} folders under ${project.path}; listing stopped`, 'point the project at the folder that holds its pipelines, or move data folders out of it (or into .venv/node_modules-like skipped names)');
    }
    await Promise.all(batch.map(readFolder));
  }
  return files;
}

function unreadableProject(project: Project, e: NodeJS.ErrnoException): BerthError {
  if (e.code === 'ENOENT' || e.code === 'ENOTDIR') {
    return new BerthError('BERTH_E_CONFLICT', `the folder of project "${project.name}" (${project.path}) no longer exists`, {
      problems: [{ path: 'project.path', message: 'missing', fix: 'restore the folder, or point the project at its new place (PATCH /api/projects/{project} {"path": …})' }],
    });
  }
  return new BerthError('BERTH_E_FORBIDDEN_PATH', `the server cannot read the folder of project "${project.name}" (${project.path}): ${e.code ?? e.message}`, {
    problems: [{ path: 'project.path', message: `not readable (${e.code ?? 'error'})`, fix: "give the server's user read access to the folder, or point the project at a readable one" }],
  });
}

function pipelineFile(project: Project, path: string): string {
  if (!path.endsWith('.orchest')) throw invalid('path', `${path} does not end in .orchest`, 'name pipeline files like "main.orchest"');
  return insideRoot(project.path, path, 'path');
}

function summarise(project: Project, file: string): PipelineSummary {
  const path = projectPath(project, file);
  let loaded: LoadedPipeline;
  try {
    loaded = loadPipeline(file, project.path);
  } catch (e) {
    return { path, uuid: null, name: null, valid: false, problems: e instanceof BerthError ? Math.max(e.problems.length, 1) : 1 };
  }
  const { pipeline } = loaded;
  const problems = checkStepFiles(loaded, Object.keys(pipeline.steps)).length;
  return { path, uuid: pipeline.uuid, name: pipeline.name, valid: problems === 0, problems };
}

function invalid(path: string, message: string, fix: string): BerthError {
  return new BerthError('BERTH_E_INVALID_ARGUMENT', message, { problems: [{ path, message, fix }] });
}

function conflict(path: string, message: string, fix: string): BerthError {
  return new BerthError('BERTH_E_CONFLICT', message, { problems: [{ path, message, fix }] });
}
