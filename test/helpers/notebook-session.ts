import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before } from 'node:test';
import { TestServer } from './berth-server.ts';
import { notebookProjectFiles, runFirstStep } from './notebook-project.ts';

export interface NotebookSessionOptions {
  /** The pipeline's uuid (distinct per suite: the session's uuid derives from it). */
  pipelineUuid: string;
  /** The uuid of notebook b.ipynb's environment (kernel `orchest-kernel-<env>`, display name "My Env"). */
  env: string;
  /** The environment's base image. */
  baseImage: string;
  /** The server's environment beside TestServer's (e.g. BERTH_RUNTIME, BERTH_JUPYTER_IMAGE); also used by `restartServer`. */
  serverEnv?: Record<string, string>;
  /** More files of alpha's project (e.g. another environment's properties.json), beside notebookProjectFiles'. */
  files?: Record<string, string>;
  /** Environments of other languages, each with a notebook step (notebookProjectFiles' languageEnvs). */
  languageEnvs?: Parameters<typeof notebookProjectFiles>[0]['languageEnvs'];
  /** The interpreter step A runs with (process runtime). */
  python?: string;
}

export type SessionAnswer = { uuid: string; jupyter: { url: string; state: string } | null };

/**
 * The set-up of the Jupyter session tests: a Berth server, project "alpha" with the notebook project
 * (notebookProjectFiles) and an empty project "beta", a project token of each, step A run once (so
 * B's notebook has the last run's inputs), and the session of alpha's p.orchest started through the
 * API. `notebookSession()` registers it as the suite's before/after hooks.
 */
export class NotebookSession {
  readonly t = new TestServer();
  readonly base = '/api/projects/alpha/pipelines/p.orchest/session';
  /** alpha's project folder. */
  project = '';
  /** Project tokens of alpha and beta. */
  alpha = '';
  beta = '';
  /** The session's answer to its start. */
  session: SessionAnswer = { uuid: '', jupyter: null };
  readonly #opts: NotebookSessionOptions;

  constructor(opts: NotebookSessionOptions) {
    this.#opts = opts;
  }

  /** The session's `jupyter.url` (fails the test when the session has no Jupyter). */
  get jupyterUrl(): string {
    assert.ok(this.session.jupyter, 'the session has a Jupyter server');
    return this.session.jupyter.url;
  }

  /** The websocket URL of a kernel's channels through the session's `jupyter.url`. */
  kernelSocketUrl(kernel: string): string {
    return `${this.t.url.replace(/^http/, 'ws')}${this.jupyterUrl}api/kernels/${kernel}/channels?session_id=${randomUUID()}`;
  }

  async start(): Promise<void> {
    const python = this.#opts.python ?? '/usr/bin/python3';
    await this.t.start({ env: { BERTH_PYTHON: python, ...this.#opts.serverEnv } });
    this.project = (await this.t.project('alpha', { ...notebookProjectFiles({ pipelineUuid: this.#opts.pipelineUuid, env: this.#opts.env, baseImage: this.#opts.baseImage, languageEnvs: this.#opts.languageEnvs }), ...this.#opts.files })).path;
    await this.t.project('beta');
    this.alpha = (await this.t.token('alpha')).token;
    this.beta = (await this.t.token('beta')).token;
    runFirstStep(this.t.home, this.project, python);
    const started = await this.t.api('POST', this.base, { token: this.alpha });
    assert.equal(started.status, 201, await started.clone().text());
    this.session = (await started.json()) as SessionAnswer;
  }

  /** Closes the server and starts a new one on the same BERTH_HOME (the session runs on); `whileDown` runs in between. */
  async restartServer(whileDown?: () => Promise<void>): Promise<void> {
    await this.t.close();
    await whileDown?.();
    await this.t.start({ env: { BERTH_PYTHON: this.#opts.python ?? '/usr/bin/python3', ...this.#opts.serverEnv } });
  }

  /** Stops the session (if the test did not), closes the server and removes its folder. */
  async stop(): Promise<void> {
    try {
      if (this.t.server) await this.t.api('DELETE', this.base, { token: this.alpha }).catch(() => undefined);
      await this.t.close();
    } finally {
      this.t.cleanup();
    }
  }
}

/** A NotebookSession started before the suite's tests and stopped after them. */
export function notebookSession(opts: NotebookSessionOptions): NotebookSession {
  const nb = new NotebookSession(opts);
  before(() => nb.start());
  after(() => nb.stop());
  return nb;
}
