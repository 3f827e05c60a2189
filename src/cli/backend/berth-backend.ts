import type { TokenInfo } from '../../auth/token-registry.ts';
import type { Status } from '../../core/statuses.ts';
import type { RunOptions } from '../../engine/engine.ts';
import type { RunReport } from '../../runs/run-report.ts';
import type { SessionView } from '../../sessions/session-view.ts';
import type { RuntimeName } from '../../config/config.ts';
import type { ServiceInfo } from '../../services/service-manager.ts';
import type { EventBackend, JobBackend, WebhookBackend } from './outbox-backends.ts';
import type { ProjectBackend } from './project-backend.ts';
import type { BuildPage } from '../../environments/build-queue.ts';
import type { EnvVarBackend } from './env-var-backend.ts';
import type { GitBackend } from './git-backend.ts';
import type { ShellSession } from './remote-shell.ts';
import type { EnvironmentView } from '../../environments/project-environments.ts';
import type { ProjectChoice } from './project-choice.ts';

export type RunSummary = RunReport['run'];

/** What `berth validate` prints about a valid pipeline file. */
export interface ValidationSummary {
  file: string;
  project: string;
  pipeline: { uuid: string; name: string; version: string };
  steps: number;
  services: number;
}

/** A step's log: its chunks, or null when the step has no log file (yet). */
export interface StepLog {
  step: RunReport['steps'][number];
  chunks: AsyncIterable<Buffer | string> | null;
}

/**
 * What the CLI's commands talk to: the in-process engine (LocalBackend) or a Berth server over
 * REST (RemoteBackend, when BERTH_ENDPOINT is set). Both give the same results, so every command
 * prints the same either way. Errors are BerthErrors with the same codes.
 */
export interface BerthBackend {
  runPipeline(opts: Omit<RunOptions, 'projectDir' | 'onCreated'>): Promise<RunReport>;
  report(runRef: string): Promise<RunReport>;
  cancelRun(runRef: string): Promise<RunReport>;
  listRuns(opts: { limit: number; status?: Status }): Promise<RunSummary[]>;
  stepLog(runRef: string, stepRef: string, opts: { follow: boolean }): Promise<StepLog>;
  validate(path: string): Promise<ValidationSummary>;
  createToken(name: string, project: string): Promise<{ secret: string; token: TokenInfo }>;
  listTokens(): Promise<TokenInfo[]>;
  revokeToken(id: string): Promise<TokenInfo>;
  /** Project services live in a server (the proxy reaches them there): the local backend refuses these. */
  deployService(project: string, definition: unknown, query: { image?: string; name?: string }): Promise<ServiceInfo>;
  listServices(project: string): Promise<ServiceInfo[]>;
  serviceLogs(project: string, name: string, opts: { follow: boolean }): Promise<AsyncIterable<Buffer | string>>;
  removeService(project: string, name: string): Promise<void>;
  /** A pipeline's session: start (answers once every service is ready), stop, status. */
  session(verb: 'start' | 'stop' | 'status', pipelinePath: string, opts?: { runtime?: RuntimeName; readyTimeoutMs?: number; onProgress?: (line: string) => void; signal?: AbortSignal }): Promise<SessionView>;
  /** Every session of the store (the server's: admin token). */
  listSessions(): Promise<SessionView[]>;
  /** A session service's log (follow: until it ends). */
  sessionLogs(pipelinePath: string, service: string, opts: { follow: boolean }): Promise<AsyncIterable<Buffer | string>>;
  envVars(): Promise<EnvVarBackend>;
  /** Git identity, SSH keys, project import (the token's own; in-process: the local user's). */
  git(): Promise<GitBackend>;
  jobs(): Promise<JobBackend>;
  webhooks(): Promise<WebhookBackend>;
  events(): Promise<EventBackend>;
  projects(): Promise<ProjectBackend>;
  /** Environment image builds, newest first (a page). */
  listBuilds(opts: { limit?: number; before?: string; status?: string }): Promise<BuildPage>;
  /**
   * An interactive shell in a project's environment (by uuid or name). A project folder is registered
   * if new; through a server the project must be named (--project: a name, uuid or folder), not implied.
   */
  openShell(opts: { project: ProjectChoice; environment: string; cols: number; rows: number; onProgress?: (line: string) => void }): Promise<ShellSession>;
  /** A project's environments (Orchest's .orchest/environments/), each with its newest build. */
  listEnvironments(project: ProjectChoice): Promise<EnvironmentView[]>;
  close(): Promise<void>;
}
