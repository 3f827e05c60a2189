import type { Kysely } from 'kysely';
import { ENV_NAME, ENV_NAME_FIX, isLaunchableEnvVar } from '../core/env-var-check.ts';
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

/** What seals values: the install key. */
export interface SecretBox {
  seal(plain: string): string;
  open(sealed: string): string;
}

/**
 * Project and pipeline environment variables, Orchest's: secrets kept in the store, sealed with the
 * install key (never in the pipeline file, never in clear in berth.db), injected into every step (project < pipeline < run variables) and into services
 * only through `env_variables_inherit`. Values leave this class only for injection (`forRun`).
 */
export class EnvVars {
  readonly #rows: EnvVarRepository;
  readonly #key: SecretBox;

  /** `key` seals values at rest (the install key, as for webhook secrets). */
  constructor(db: Kysely<Database>, key: SecretBox) {
    this.#rows = new EnvVarRepository(db);
    this.#key = key;
  }

  /** Seals the values stored in plaintext before sealing existed (idempotent; the engine runs it on open). */
  async sealPlaintext(): Promise<number> {
    const rows = await this.#rows.plaintext();
    for (const row of rows) await this.#rows.seal(row, this.#key.seal(row.value));
    return rows.length;
  }

  async set(target: EnvVarTarget, name: string, value: string): Promise<EnvVarInfo> {
    if (!ENV_NAME.test(name)) {
      throw new BerthError('BERTH_E_INVALID_ARGUMENT', `"${name.replace(/\0/g, '\\u0000')}" is not a valid variable name`, {
        problems: [{ path: 'name', message: 'not a variable name', fix: ENV_NAME_FIX }],
      });
    }
    if (value.includes('\0')) {
      throw new BerthError('BERTH_E_INVALID_ARGUMENT', `the value of "${name}" contains a NUL character`, {
        problems: [{ path: 'value', message: 'contains a NUL character', fix: 'remove the NUL character (\\u0000): a process environment cannot hold it' }],
      });
    }
    const updated_at = new Date().toISOString();
    await this.#rows.set({ project_uuid: target.projectUuid, pipeline_uuid: target.pipelineUuid ?? '', name, value: this.#key.seal(value), sealed: 1, updated_at });
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

  /**
   * The values a run's steps get (and its session's services may inherit). A variable stored before
   * names and values were checked (a NUL in the value, "=" in the name) is left out: no process
   * environment can hold it, and it must not stop the run.
   */
  async forRun(projectUuid: string, pipelineUuid: string): Promise<{ project: Record<string, string>; pipeline: Record<string, string> }> {
    const values = async (p: string) =>
      Object.fromEntries(
        (await this.#rows.list(projectUuid, p))
          .map((r) => [r.name, r.sealed ? this.#key.open(r.value) : r.value] as const)
          .filter(([name, value]) => isLaunchableEnvVar(name, value)),
      );
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
