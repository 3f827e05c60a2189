import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, realpathSync, statSync, writeFileSync } from 'node:fs';
import { dirname, isAbsolute, relative, sep } from 'node:path';
import type { Kysely } from 'kysely';
import { serializePipeline, validatePipeline, type ValidationResult } from '../core/pipeline-validation.ts';
import type { PipelineDefinition } from '../core/pipeline-types.ts';
import { BerthError } from '../errors.ts';
import type { StateChangeHook } from '../store/state-change.ts';
import { ProjectRepository, type Project } from '../store/project-repository.ts';
import type { Database } from '../store/tables.ts';
import { insideRoot } from './inside-root.ts';
import { loadPipeline } from './pipeline-loader.ts';

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

  /** `hook`: the engine's state-change hook, so registering a project records its event. */
  constructor(db: Kysely<Database>, opts: { hook?: StateChangeHook } = {}) {
    this.#projects = new ProjectRepository(db, opts);
  }

  /** Registers a folder as a project. 409 when the name or the folder is taken. */
  async create(name: string, path: string): Promise<Project> {
    if (!PROJECT_NAME_PATTERN.test(name)) {
      throw invalid('name', `"${name}" is not a valid project name`, 'use 1–63 letters, digits, ".", "_" or "-", starting with a letter or digit');
    }
    if (!isAbsolute(path) || !existsSync(path) || !statSync(path).isDirectory()) {
      throw invalid('path', `${path} is not an existing folder (absolute path) on the server`, 'give the absolute path of the project folder');
    }
    const real = realpathSync(path);
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
    return { path: relative(project.path, loaded.file).split(sep).join('/'), file: loaded.file, pipeline: loaded.pipeline };
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

  /** Validates and writes a pipeline as Orchest 1.2.3. Returns whether the file is new. */
  write(project: Project, path: string, raw: unknown): { created: boolean; pipeline: PipelineDefinition } {
    const file = pipelineFile(project, path);
    const { pipeline, problems } = this.validate(project, raw, path);
    if (!pipeline || problems.length > 0) {
      throw new BerthError('BERTH_E_INVALID_PIPELINE', `invalid pipeline: ${problems.length} problem(s)`, { problems });
    }
    const created = !existsSync(file);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, serializePipeline(pipeline));
    return { created, pipeline };
  }
}

function pipelineFile(project: Project, path: string): string {
  if (!path.endsWith('.orchest')) throw invalid('path', `${path} does not end in .orchest`, 'name pipeline files like "main.orchest"');
  return insideRoot(project.path, path, 'path');
}

function summarise(project: Project, file: string): PipelineSummary {
  const path = relative(project.path, file).split(sep).join('/');
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
