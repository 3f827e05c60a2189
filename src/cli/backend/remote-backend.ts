import { basename } from 'node:path';
import type { TokenInfo } from '../../auth/token-registry.ts';
import { invalidPipelineError } from '../../core/pipeline-validation.ts';
import type { Status } from '../../core/statuses.ts';
import { readPipelineFile } from '../../projects/pipeline-loader.ts';
import type { RunReport } from '../../runs/run-report.ts';
import type { SessionView } from '../../sessions/session-view.ts';
import type { RuntimeName } from '../../config/config.ts';
import type { ServiceInfo } from '../../services/service-manager.ts';
import { BerthError, isBerthError } from '../../errors.ts';
import type { BerthBackend, RunSummary, StepLog, ValidationSummary } from './berth-backend.ts';
import { HttpClient, sseData } from './http-client.ts';
import type { EventBackend, JobBackend, WebhookBackend } from './outbox-backends.ts';
import type { ProjectBackend, ProjectView } from './project-backend.ts';
import type { BuildPage } from '../../environments/build-queue.ts';
import { pollRun } from './poll-run.ts';
import { remoteShell, type ShellSession } from './remote-shell.ts';
import type { ProjectChoice } from './project-choice.ts';
import type { EnvironmentView } from '../../environments/project-environments.ts';
import { remoteGit, type GitBackend } from './git-backend.ts';
import type { EnvVarBackend, EnvVarRef } from './env-var-backend.ts';
import type { EnvVarInfo } from '../../projects/env-vars.ts';
import { RemoteJobBackend } from './remote-job-backend.ts';
import { remoteEvents, remoteWebhooks } from './remote-outbox-backends.ts';

interface Project {
  uuid: string;
  name: string;
  path: string;
}

/**
 * The CLI's backend when BERTH_ENDPOINT is set: the same operations over the REST API. Pipeline
 * files are named by local path, so the server must see the same files (same machine or shared
 * folder): the file's project folder is registered on the server (by its folder name) on first use.
 */
export class RemoteBackend implements BerthBackend {
  readonly #http: HttpClient;

  constructor(endpoint: string, token: string | undefined) {
    this.#http = new HttpClient(endpoint, token);
  }

  async runPipeline(opts: Parameters<BerthBackend['runPipeline']>[0]): Promise<RunReport> {
    if (opts.python !== undefined) {
      // The server's interpreter is the server's choice (its BERTH_PYTHON): a client never names a host program.
      throw new BerthError('BERTH_E_INVALID_ARGUMENT', '--python applies to runs on this machine, not through a server (BERTH_ENDPOINT is set)', {
        problems: [{ path: '--python', message: 'not accepted by a server', fix: "drop --python (the server uses its BERTH_PYTHON), or unset BERTH_ENDPOINT to run here" }],
      });
    }
    const file = readPipelineFile(opts.pipelinePath);
    const project = await this.#project(file.projectDir);
    const created = await this.#http.json<RunReport>('POST', `/api/projects/${encodeURIComponent(project.uuid)}/runs`, {
      pipeline: file.relativePath,
      run_type: opts.runType ?? (opts.steps?.length ? 'selection' : 'full'),
      uuids: opts.steps ?? [],
      parameters: opts.params ?? {},
      env: opts.env ?? {},
      fail_fast: opts.failFast ?? false,
      ...(opts.runtime ? { runtime: opts.runtime } : {}),
      ...(opts.kind ? { kind: opts.kind } : {}),
    });
    return pollRun(created, {
      get: (uuid) => this.report(uuid),
      cancel: async (uuid) => void (await this.cancelRun(uuid)),
      observe: opts.observe ?? (() => {}),
      signal: opts.signal,
    });
  }

  report(runRef: string): Promise<RunReport> {
    return this.#http.json('GET', `/api/runs/${encodeURIComponent(runRef)}`);
  }

  cancelRun(runRef: string): Promise<RunReport> {
    return this.#http.json('DELETE', `/api/runs/${encodeURIComponent(runRef)}`);
  }

  async listRuns(opts: { limit: number; status?: Status }): Promise<RunSummary[]> {
    const q = new URLSearchParams({ limit: String(opts.limit), ...(opts.status ? { status: opts.status } : {}) });
    return (await this.#http.json<{ runs: RunSummary[] }>('GET', `/api/runs?${q}`)).runs;
  }

  async stepLog(runRef: string, stepRef: string, opts: { follow: boolean }): Promise<StepLog> {
    const report = await this.report(runRef);
    const path = `/api/runs/${encodeURIComponent(report.run.uuid)}/steps/${encodeURIComponent(stepRef)}/logs`;
    const res = await this.#http.raw('GET', `${path}${opts.follow ? '?follow=1' : ''}`);
    const step = report.steps.find((s) => s.uuid === stepRef || s.title === stepRef) ?? report.steps.find((s) => s.uuid.startsWith(stepRef))!;
    if (!opts.follow) {
      if (res.headers.get('x-berth-log-exists') === '0') return { step, chunks: null };
      const body = Buffer.from(await res.arrayBuffer());
      return {
        step,
        chunks: (async function* () {
          yield body;
        })(),
      };
    }
    return { step, chunks: followed(res) };
  }

  async validate(path: string): Promise<ValidationSummary> {
    const file = readPipelineFile(path);
    const project = await this.#project(file.projectDir);
    const res = await this.#http.json<{ valid: boolean; pipeline: ValidationSummary['pipeline'] | null; steps: number; services: number; problems: BerthError['problems'] }>(
      'POST',
      `/api/projects/${encodeURIComponent(project.uuid)}/pipelines/validate`,
      { pipeline: file.raw, path: file.relativePath },
    );
    if (!res.valid || !res.pipeline) {
      const err = invalidPipelineError(file.raw, res.problems);
      err.details.file = file.file;
      throw err;
    }
    return { file: file.file, project: file.projectDir, pipeline: res.pipeline, steps: res.steps, services: res.services };
  }

  async createToken(name: string, project: string): Promise<{ secret: string; token: TokenInfo }> {
    const res = await this.#http.json<{ token: string; info: TokenInfo }>('POST', '/api/tokens', { name, project });
    return { secret: res.token, token: res.info };
  }

  async listTokens(): Promise<TokenInfo[]> {
    return (await this.#http.json<{ tokens: TokenInfo[] }>('GET', '/api/tokens')).tokens;
  }

  revokeToken(id: string): Promise<TokenInfo> {
    return this.#http.json('DELETE', `/api/tokens/${encodeURIComponent(id)}`);
  }

  async deployService(project: string, definition: unknown, query: { image?: string; name?: string }): Promise<ServiceInfo> {
    const q = new URLSearchParams(Object.entries(query).filter((e): e is [string, string] => e[1] !== undefined));
    return this.#http.json('POST', `/api/projects/${encodeURIComponent(project)}/services${q.size ? `?${q}` : ''}`, definition);
  }

  async listServices(project: string): Promise<ServiceInfo[]> {
    return (await this.#http.json<{ services: ServiceInfo[] }>('GET', `/api/projects/${encodeURIComponent(project)}/services`)).services;
  }

  async serviceLogs(project: string, name: string, opts: { follow: boolean }): Promise<AsyncIterable<Buffer | string>> {
    const res = await this.#http.raw('GET', `/api/projects/${encodeURIComponent(project)}/services/${encodeURIComponent(name)}/logs${opts.follow ? '?follow=1' : ''}`);
    if (opts.follow) return followed(res);
    const body = Buffer.from(await res.arrayBuffer());
    return (async function* () {
      yield body;
    })();
  }

  async removeService(project: string, name: string): Promise<void> {
    await this.#http.json('DELETE', `/api/projects/${encodeURIComponent(project)}/services/${encodeURIComponent(name)}`);
  }

  async session(verb: 'start' | 'stop' | 'status', pipelinePath: string, opts: { runtime?: RuntimeName } = {}): Promise<SessionView> {
    const file = readPipelineFile(pipelinePath);
    const project = await this.#project(file.projectDir);
    const path = `/api/projects/${encodeURIComponent(project.uuid)}/pipelines/${encodeURIComponent(file.relativePath)}/session`;
    if (verb === 'start') return this.#http.json('POST', path, opts.runtime ? { runtime: opts.runtime } : {});
    return this.#http.json(verb === 'stop' ? 'DELETE' : 'GET', path);
  }

  async listSessions(): Promise<SessionView[]> {
    return (await this.#http.json<{ sessions: SessionView[] }>('GET', '/api/sessions')).sessions;
  }

  async sessionLogs(pipelinePath: string, service: string, opts: { follow: boolean }): Promise<AsyncIterable<Buffer | string>> {
    const file = readPipelineFile(pipelinePath);
    const project = await this.#project(file.projectDir);
    const path = `/api/projects/${encodeURIComponent(project.uuid)}/pipelines/${encodeURIComponent(file.relativePath)}/session/services/${encodeURIComponent(service)}/logs`;
    const res = await this.#http.raw('GET', `${path}${opts.follow ? '?follow=1' : ''}`);
    if (opts.follow) return followed(res);
    const body = Buffer.from(await res.arrayBuffer());
    return (async function* () {
      yield body;
    })();
  }

  async git(): Promise<GitBackend> {
    return remoteGit(this.#http);
  }

  async envVars(): Promise<EnvVarBackend> {
    const base = async (ref: EnvVarRef): Promise<string> => {
      if (ref.pipelineFile !== undefined) {
        const file = readPipelineFile(ref.pipelineFile);
        const project = await this.#project(file.projectDir);
        // The server learns the pipeline from its file (as a run would register it).
        return `/api/projects/${encodeURIComponent(project.uuid)}/pipelines/${encodeURIComponent(file.relativePath)}/env-vars`;
      }
      if (ref.project === undefined) {
        throw new BerthError('BERTH_E_INVALID_ARGUMENT', 'say whose variable it is', {
          problems: [{ path: '--project/--pipeline', message: 'neither given', fix: 'add --project NAME (every pipeline of it) or --pipeline FILE (that pipeline)' }],
        });
      }
      return `/api/projects/${encodeURIComponent(ref.project)}/env-vars`;
    };
    return {
      list: async (ref) => (await this.#http.json<{ variables: EnvVarInfo[] }>('GET', await base(ref))).variables,
      set: async (ref, name, value) => this.#http.json('PUT', `${await base(ref)}/${encodeURIComponent(name)}`, { value }),
      remove: async (ref, name) => {
        await this.#http.json('DELETE', `${await base(ref)}/${encodeURIComponent(name)}`);
      },
    };
  }

  async jobs(): Promise<JobBackend> {
    return new RemoteJobBackend(this.#http, (dir) => this.#project(dir));
  }

  async webhooks(): Promise<WebhookBackend> {
    return remoteWebhooks(this.#http);
  }

  async events(): Promise<EventBackend> {
    return remoteEvents(this.#http);
  }

  async close(): Promise<void> {}

  async openShell(opts: Parameters<BerthBackend['openShell']>[0]): Promise<ShellSession> {
    const project = await this.#named(opts.project, 'the shell runs on the server');
    const query = new URLSearchParams({ cols: String(opts.cols), rows: String(opts.rows) });
    const ws = await this.#http.websocket(`/api/projects/${encodeURIComponent(project)}/environments/${encodeURIComponent(opts.environment)}/shell?${query}`);
    return remoteShell(ws, opts.onProgress);
  }

  async listEnvironments(choice: ProjectChoice): Promise<EnvironmentView[]> {
    const project = await this.#named(choice, 'the server lists its projects\' environments');
    return (await this.#http.json<{ environments: EnvironmentView[] }>('GET', `/api/projects/${encodeURIComponent(project)}/environments`)).environments;
  }

  /** The server's project a --project names (a name or uuid as given; a folder's project, registered if new); the current folder is not implied. */
  async #named(choice: ProjectChoice, why: string): Promise<string> {
    if ('ref' in choice) return choice.ref;
    if (choice.implicit) {
      throw new BerthError('BERTH_E_INVALID_ARGUMENT', "say which of the server's projects this is for", {
        problems: [{ path: '--project', message: `missing (BERTH_ENDPOINT is set: ${why})`, fix: 'add --project NAME or --project PATH (see `berth project list`)' }],
      });
    }
    const at = (await this.#http.json<{ projects: ProjectView[] }>('GET', '/api/projects')).projects.find((p) => p.path === choice.dir);
    return (at ?? (await this.#project(choice.dir))).uuid;
  }

  listBuilds(opts: Parameters<BerthBackend['listBuilds']>[0]): Promise<BuildPage> {
    const query = new URLSearchParams();
    for (const [k, v] of Object.entries(opts)) if (v !== undefined) query.set(k, String(v));
    return this.#http.json('GET', `/api/builds?${query}`);
  }

  async projects(): Promise<ProjectBackend> {
    const path = (ref: string) => `/api/projects/${encodeURIComponent(ref)}`;
    return {
      list: async () => (await this.#http.json<{ projects: ProjectView[] }>('GET', '/api/projects')).projects,
      update: (ref, patch) => this.#http.json('PATCH', path(ref), patch),
      remove: (ref, opts) => this.#http.json('DELETE', `${path(ref)}${opts.force ? '?force=1' : ''}`),
      removePipeline: async (pipelinePath) => {
        const file = readPipelineFile(pipelinePath);
        const project = await this.#project(file.projectDir);
        const removed = await this.#http.json<{ path: string; uuid: string | null }>('DELETE', `${path(project.uuid)}/pipelines/${encodeURIComponent(file.relativePath)}`);
        return { project: project.name, ...removed };
      },
    };
  }

  async #project(dir: string): Promise<Project> {
    const name = basename(dir);
    let project: Project;
    try {
      project = await this.#http.json<Project>('GET', `/api/projects/${encodeURIComponent(name)}`);
    } catch (e) {
      if (!isBerthError(e) || e.code !== 'BERTH_E_PROJECT_NOT_FOUND') throw e;
      project = await this.#http.json<Project>('POST', '/api/projects', { name, path: dir });
    }
    if (project.path !== dir) {
      throw new BerthError('BERTH_E_CONFLICT', `the server's project "${name}" is the folder ${project.path}, not ${dir}`, {
        problems: [{ path: 'PIPELINE_FILE', message: 'another folder has this project name on the server', fix: 'rename one of the folders, or use the server API with the project uuid' }],
      });
    }
    return project;
  }
}

async function* followed(res: Response): AsyncGenerator<string> {
  for await (const { event, data } of sseData(res)) if (event === 'message' && typeof data === 'string') yield data;
}

