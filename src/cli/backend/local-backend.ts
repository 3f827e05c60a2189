import { existsSync } from 'node:fs';
import type { TokenInfo } from '../../auth/token-registry.ts';
import { localEnvVars, type EnvVarBackend } from './env-var-backend.ts';
import type { Engine } from '../../engine/engine.ts';
import { BerthError } from '../../errors.ts';
import { loadCheckedPipeline } from '../../projects/pipeline-loader.ts';
import { runReport } from '../../runs/run-report.ts';
import { stepLogChunks } from '../../runs/step-log.ts';
import type { SessionView } from '../../sessions/session-view.ts';
import type { BerthBackend, RunSummary, StepLog, ValidationSummary } from './berth-backend.ts';
import type { ShellSession } from './remote-shell.ts';
import { LOCAL_HOLDER } from '../../projects/git-credentials.ts';
import { localGit, type GitBackend } from './git-backend.ts';
import type { EventBackend, JobBackend, WebhookBackend } from './outbox-backends.ts';
import { localProjects, type ProjectBackend } from './project-backend.ts';
import type { ProjectChoice } from './project-choice.ts';
import { environmentView, projectEnvironments, type EnvironmentView } from '../../environments/project-environments.ts';
import type { Project } from '../../store/project-repository.ts';
import { sessionGitAccess } from '../../sessions/session-git.ts';

/**
 * The CLI's backend without a server: an Engine in this process on the local store, opened on
 * first need (validate never opens it).
 */
export class LocalBackend implements BerthBackend {
  readonly #engine: () => Promise<Engine>;

  constructor(engine: () => Promise<Engine>) {
    this.#engine = engine;
  }

  async runPipeline(opts: Parameters<BerthBackend['runPipeline']>[0]) {
    return (await this.#engine()).runPipeline(opts);
  }

  async report(runRef: string) {
    return (await this.#engine()).report(runRef);
  }

  async cancelRun(runRef: string) {
    return (await this.#engine()).cancelRun(runRef);
  }

  async listRuns(opts: Parameters<BerthBackend['listRuns']>[0]): Promise<RunSummary[]> {
    return (await (await this.#engine()).listRuns(opts)).map((r) => runReport(r, []).run);
  }

  async stepLog(runRef: string, stepRef: string, opts: { follow: boolean }): Promise<StepLog> {
    const engine = await this.#engine();
    const { run, step } = await engine.findStep(runRef, stepRef);
    if (!opts.follow && !existsSync(step.log_path)) return { step, chunks: null };
    return { step, chunks: stepLogChunks(engine, run.uuid, step.uuid, { follow: opts.follow }) };
  }

  async validate(path: string): Promise<ValidationSummary> {
    const loaded = loadCheckedPipeline(path);
    const p = loaded.pipeline;
    return { file: loaded.file, project: loaded.projectDir, pipeline: { uuid: p.uuid, name: p.name, version: p.version }, steps: Object.keys(p.steps).length, services: Object.keys(p.services ?? {}).length };
  }

  async createToken(name: string, project: string): Promise<{ secret: string; token: TokenInfo }> {
    const engine = await this.#engine();
    const p = await engine.projects.find(project);
    return engine.tokens.create({ name, scope: 'project', projectUuid: p.uuid });
  }

  async listTokens(): Promise<TokenInfo[]> {
    return (await this.#engine()).tokens.list();
  }

  async revokeToken(id: string): Promise<TokenInfo> {
    return (await this.#engine()).tokens.revoke(id);
  }

  deployService(): Promise<never> {
    return serverOnly();
  }

  listServices(): Promise<never> {
    return serverOnly();
  }

  serviceLogs(): Promise<never> {
    return serverOnly();
  }

  removeService(): Promise<never> {
    return serverOnly();
  }

  async session(verb: 'start' | 'stop' | 'status', pipelinePath: string, opts: Parameters<BerthBackend['session']>[2] = {}): Promise<SessionView> {
    const engine = await this.#engine();
    const { sessions } = engine;
    if (verb === 'start') return sessions.start(pipelinePath, { ...opts, git: sessionGitAccess(engine.git, engine.runtimes, LOCAL_HOLDER) });
    return verb === 'stop' ? sessions.stop(pipelinePath) : sessions.status(pipelinePath);
  }

  async jobs(): Promise<JobBackend> {
    const jobs = (await this.#engine()).jobs;
    return {
      preview: async (input) => jobs.preview(input),
      create: (input) => jobs.create(input),
      runNow: (job) => jobs.trigger(job.uuid),
      list: (opts) => jobs.list(opts),
      show: (ref) => jobs.show(ref),
      pause: (ref) => jobs.pause(ref),
      resume: (ref) => jobs.resume(ref),
      cancel: (ref) => jobs.cancel(ref),
      remove: (ref) => jobs.remove(ref),
      trigger: (ref) => jobs.trigger(ref),
    };
  }

  async webhooks(): Promise<WebhookBackend> {
    return (await this.#engine()).outbox.webhooks;
  }

  async events(): Promise<EventBackend> {
    const feed = (await this.#engine()).outbox.events;
    return {
      list: (filter) => feed.list(filter),
      follow: async function* (filter, signal) {
        yield* feed.follow({ ...filter, after: await feed.latestId(), signal });
      },
    };
  }

  async projects(): Promise<ProjectBackend> {
    return localProjects(await this.#engine());
  }

  async openShell(opts: Parameters<BerthBackend['openShell']>[0]): Promise<ShellSession> {
    const engine = await this.#engine();
    const project = (await this.#project(opts.project)).uuid;
    return engine.openShell({ project, environment: opts.environment, cols: opts.cols, rows: opts.rows, gitHolder: LOCAL_HOLDER, onProgress: opts.onProgress });
  }

  async listEnvironments(choice: ProjectChoice): Promise<EnvironmentView[]> {
    const engine = await this.#engine();
    const project = await this.#project(choice);
    return (await projectEnvironments(project.path, (await engine.projects.pipelines(project)).map((p) => p.path), engine.builds)).map(environmentView);
  }

  /** A registered project by name or uuid, or the project of a folder (registered if new). */
  async #project(choice: ProjectChoice): Promise<Project> {
    const engine = await this.#engine();
    return 'ref' in choice ? engine.projects.find(choice.ref) : engine.projects.ensure(choice.dir);
  }

  async listBuilds(opts: Parameters<BerthBackend['listBuilds']>[0]) {
    return (await this.#engine()).builds.list(opts);
  }

  async listSessions(): Promise<SessionView[]> {
    return (await this.#engine()).sessions.list();
  }

  async sessionLogs(pipelinePath: string, service: string, opts: { follow: boolean }): Promise<AsyncIterable<Buffer | string>> {
    const chunks = await (await this.#engine()).sessions.logs(pipelinePath, service, { follow: opts.follow });
    return (async function* () {
      for await (const chunk of chunks) yield chunk.data;
    })();
  }

  async git(): Promise<GitBackend> {
    return localGit(await this.#engine());
  }

  async envVars(): Promise<EnvVarBackend> {
    return localEnvVars(await this.#engine());
  }

  /** The engine is closed by whoever opened it (the CLI context). */
  async close(): Promise<void> {}
}

async function serverOnly(): Promise<never> {
  throw new BerthError('BERTH_E_INVALID_ARGUMENT', 'project services run inside a Berth server', {
    problems: [{ path: 'BERTH_ENDPOINT', message: 'not set', fix: 'start `berth server`, then set BERTH_ENDPOINT (and BERTH_TOKEN) for the CLI' }],
  });
}
