import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, realpathSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, isAbsolute, relative, sep } from 'node:path';
import type { Kysely } from 'kysely';
import { serializePipeline, validatePipeline, type ValidationResult } from '../core/pipeline-validation.ts';
import type { PipelineDefinition } from '../core/pipeline-types.ts';
import { BerthError } from '../errors.ts';
import type { StateChangeHook } from '../store/state-change.ts';
import { ProjectRepository, type Project } from '../store/project-repository.ts';
import type { Database } from '../store/tables.ts';
import { insideRoot } from './inside-root.ts';
import { loadPipeline, projectNameOf, type LoadedPipeline } from './pipeline-loader.ts';
import { pipelineSource, type PipelineSource } from './pipeline-source.ts';

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

  /** Every `*.orchest` file in the project (bounded scan), valid or not. */
  pipelines(project: Project): PipelineSummary[] {
    const out: PipelineSummary[] = [];
    const walk = (dir: string) => {
      for (const entry of readdirSync(dir, { withFileTypes: true })) {
        if (out.length >= MAX_SCAN) return;
        const full = `${dir}${sep}${entry.name}`;
        if (entry.isDirectory() && !SKIP_DIRS.has(entry.name)) walk(full);
        else if (entry.isFile() && entry.name.endsWith('.orchest')) out.push(summarise(project, full));
      }
    };
    walk(project.path);
    return out.sort((a, b) => a.path.localeCompare(b.path));
  }

  /** A pipeline by its path in the project or its uuid, migrated to the latest version. */
  read(project: Project, ref: string): { path: string; file: string; pipeline: PipelineDefinition } {
    const file = this.resolve(project, ref);
    const loaded = loadPipeline(file);
    return { path: projectPath(project, loaded.file), file: loaded.file, pipeline: loaded.pipeline };
  }

  /** A pipeline file as the editor opens it, valid or not: text, JSON or where it breaks, every problem. */
  source(project: Project, ref: string): PipelineSource {
    const file = this.resolve(project, ref);
    if (!file.endsWith('.orchest') || !statSync(file).isFile()) throw invalid('pipeline', `${ref} is not a .orchest file`, 'name a pipeline file like "main.orchest"');
    return pipelineSource(project.path, file, projectPath(project, file));
  }

  /** The file a pipeline reference (project-relative path or uuid) names; 404 when there is none. */
  resolve(project: Project, ref: string): string {
    if (/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(ref)) {
      const hit = this.pipelines(project).find((p) => p.uuid === ref);
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

  /** Checks a pipeline document as if it were stored at `path` in the project. */
  validate(project: Project, raw: unknown, path: string): ValidationResult {
    const file = pipelineFile(project, path);
    return validatePipeline(raw, { pipelineDir: relative(project.path, dirname(file)).split(sep).join('/') });
  }

  /**
   * Validates and writes a pipeline as Orchest 1.2.3 (`project:pipeline:created` / `updated`, recorded
   * with the write). Returns whether the file is new.
   */
  async write(project: Project, path: string, raw: unknown): Promise<{ created: boolean; pipeline: PipelineDefinition }> {
    const file = pipelineFile(project, path);
    const { pipeline, problems } = this.validate(project, raw, path);
    if (!pipeline || problems.length > 0) {
      throw new BerthError('BERTH_E_INVALID_PIPELINE', `invalid pipeline: ${problems.length} problem(s)`, { problems });
    }
    const created = !existsSync(file);
    await this.#projects.savePipeline(project.uuid, { uuid: pipeline.uuid, path: projectPath(project, file), name: pipeline.name }, new Date().toISOString(), () => {
      mkdirSync(dirname(file), { recursive: true });
      writeFileSync(file, serializePipeline(pipeline));
    });
    return { created, pipeline };
  }

  /**
   * Deletes a pipeline file (by project path or uuid) with `project:pipeline:deleted`. A file that is
   * not a readable pipeline (no uuid to name) is deleted without an event.
   */
  async removePipeline(project: Project, ref: string): Promise<{ path: string; uuid: string | null }> {
    const file = this.resolve(project, ref);
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
  return realpathSync(path);
}

function pipelineFile(project: Project, path: string): string {
  if (!path.endsWith('.orchest')) throw invalid('path', `${path} does not end in .orchest`, 'name pipeline files like "main.orchest"');
  return insideRoot(project.path, path, 'path');
}

function summarise(project: Project, file: string): PipelineSummary {
  const path = projectPath(project, file);
  try {
    const { pipeline } = loadPipeline(file);
    return { path, uuid: pipeline.uuid, name: pipeline.name, valid: true, problems: 0 };
  } catch (e) {
    return { path, uuid: null, name: null, valid: false, problems: e instanceof BerthError ? Math.max(e.problems.length, 1) : 1 };
  }
}

function invalid(path: string, message: string, fix: string): BerthError {
  return new BerthError('BERTH_E_INVALID_ARGUMENT', message, { problems: [{ path, message, fix }] });
}

function conflict(path: string, message: string, fix: string): BerthError {
  return new BerthError('BERTH_E_CONFLICT', message, { problems: [{ path, message, fix }] });
}
