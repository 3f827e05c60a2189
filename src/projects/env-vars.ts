import type { Kysely } from 'kysely';
import { isEnvVarNameValid } from '../core/env-var-name.ts';
import { BerthError } from '../errors.ts';
import { EnvVarRepository } from '../store/env-var-repository.ts';
import { loadPipeline } from './pipeline-loader.ts';
import type { ProjectCatalog } from './project-catalog.ts';
import type { Database } from '../store/tables.ts';

/** A variable as lists show it: the value is never included, only whether one is set and its length. */
export interface EnvVarInfo {
  name: string;
  /** "project", or the pipeline's uuid. */
  scope: string;
  value: '********';
  updated_at: string;
}

/** Where a variable lives: a project, or one pipeline of it. */
export interface EnvVarTarget {
  projectUuid: string;
  /** Absent: a project variable (every pipeline of the project gets it). */
  pipelineUuid?: string;
}

/**
 * Project and pipeline environment variables, Orchest's: secrets kept in the store (never in the
 * pipeline file), injected into every step (project < pipeline < run variables) and into services
 * only through `env_variables_inherit`. Values leave this class only for injection (`forRun`).
 */
export class EnvVars {
  readonly #rows: EnvVarRepository;

  constructor(db: Kysely<Database>) {
    this.#rows = new EnvVarRepository(db);
  }

  async set(target: EnvVarTarget, name: string, value: string): Promise<EnvVarInfo> {
    if (!isEnvVarNameValid(name)) {
      throw new BerthError('BERTH_E_INVALID_ARGUMENT', `"${name}" is not a valid variable name`, {
        problems: [{ path: 'NAME', message: 'not a variable name', fix: 'use letters, digits, "-" and "_", e.g. DB_PASSWORD' }],
      });
    }
    const updated_at = new Date().toISOString();
    await this.#rows.set({ project_uuid: target.projectUuid, pipeline_uuid: target.pipelineUuid ?? '', name, value, updated_at });
    return { name, scope: target.pipelineUuid ?? 'project', value: '********', updated_at };
  }

  async list(target: EnvVarTarget): Promise<EnvVarInfo[]> {
    return (await this.#rows.list(target.projectUuid, target.pipelineUuid ?? '')).map((r) => ({ name: r.name, scope: r.pipeline_uuid || 'project', value: '********', updated_at: r.updated_at }));
  }

  async remove(target: EnvVarTarget, name: string): Promise<void> {
    if (await this.#rows.remove(target.projectUuid, target.pipelineUuid ?? '', name)) return;
    throw new BerthError('BERTH_E_ENV_VAR_NOT_FOUND', `no ${target.pipelineUuid ? 'pipeline' : 'project'} variable "${name}"`, {
      problems: [{ path: 'NAME', message: 'not set', fix: 'see `berth env-var list`' }],
    });
  }

  /** The values a run's steps get (and its session's services may inherit). */
  async forRun(projectUuid: string, pipelineUuid: string): Promise<{ project: Record<string, string>; pipeline: Record<string, string> }> {
    const values = async (p: string) => Object.fromEntries((await this.#rows.list(projectUuid, p)).map((r) => [r.name, r.value]));
    return { project: await values(''), pipeline: await values(pipelineUuid) };
  }
}

/**
 * The target of `berth env-var`: `--pipeline FILE` (that pipeline of the file's project; the project
 * is registered if new) or `--project NAME|UUID` (a registered project).
 */
export async function envVarTarget(projects: ProjectCatalog, opts: { project?: string; pipelineFile?: string }): Promise<EnvVarTarget> {
  if (opts.pipelineFile !== undefined) {
    const { project, pipelineUuid } = await projects.ensurePipeline(loadPipeline(opts.pipelineFile));
    return { projectUuid: project.uuid, pipelineUuid };
  }
  if (opts.project === undefined) {
    throw new BerthError('BERTH_E_INVALID_ARGUMENT', 'say whose variable it is', {
      problems: [{ path: '--project/--pipeline', message: 'neither given', fix: 'add --project NAME (every pipeline of it) or --pipeline FILE (that pipeline)' }],
    });
  }
  return { projectUuid: (await projects.find(opts.project)).uuid };
}
