import { setTimeout as sleep } from 'node:timers/promises';
import { readPipelineFile } from '../../projects/pipeline-loader.ts';
import type { BatchResult } from '../../jobs/job-service.ts';
import type { JobRunView, JobView } from '../../jobs/job-view.ts';
import type { HttpClient } from './http-client.ts';
import type { JobBackend } from './outbox-backends.ts';

type Shown = { job: JobView; runs: JobRunView[] };

const POLL_MS = 200;

/**
 * `berth job` against a server: the pipeline file is named by local path and its project folder
 * registered on the server (as for runs); batches run in the server, and this side polls the job
 * until the batch's runs have ended, so the output is the same as in-process.
 */
export class RemoteJobBackend implements JobBackend {
  readonly #http: HttpClient;
  readonly #project: (dir: string) => Promise<{ uuid: string }>;

  constructor(http: HttpClient, project: (dir: string) => Promise<{ uuid: string }>) {
    this.#http = http;
    this.#project = project;
  }

  async preview(input: Parameters<JobBackend['preview']>[0]) {
    const { path, body } = await this.#body(input);
    return (await this.#http.json<{ parameters: BatchResult['runs'][number]['parameters'][] }>('POST', `${path}?dry_run=1`, body)).parameters;
  }

  async create(input: Parameters<JobBackend['create']>[0]): Promise<JobView> {
    const { path, body } = await this.#body(input);
    return (await this.#http.json<{ job: JobView }>('POST', path, body)).job;
  }

  /** The server's scheduler starts a job created to run now; this waits for that first batch. */
  runNow(job: JobView): Promise<BatchResult> {
    return this.#waitForBatch(job, 0);
  }

  async list(opts: { status?: string }): Promise<JobView[]> {
    const q = opts.status ? `?${new URLSearchParams({ status: opts.status })}` : '';
    return (await this.#http.json<{ jobs: JobView[] }>('GET', `/api/jobs${q}`)).jobs;
  }

  show(ref: string): Promise<Shown> {
    return this.#http.json('GET', `/api/jobs/${encodeURIComponent(ref)}`);
  }

  pause(ref: string) {
    return this.#act(ref, 'POST', 'pause');
  }

  resume(ref: string) {
    return this.#act(ref, 'POST', 'resume');
  }

  cancel(ref: string) {
    return this.#act(ref, 'POST', 'cancel');
  }

  remove(ref: string) {
    return this.#act(ref, 'DELETE', '');
  }

  async trigger(ref: string): Promise<BatchResult> {
    const { job } = await this.show(ref);
    const res = await this.#http.json<{ job: JobView; job_run_index: number }>('POST', `${jobPath(job)}/trigger`);
    return this.#waitForBatch(res.job, res.job_run_index);
  }

  async #act(ref: string, method: string, action: string): Promise<JobView> {
    const { job } = await this.show(ref);
    return (await this.#http.json<{ job: JobView }>(method, `${jobPath(job)}${action ? `/${action}` : ''}`)).job;
  }

  async #body(input: Parameters<JobBackend['create']>[0]) {
    const file = readPipelineFile(input.pipeline_path);
    const project = await this.#project(file.projectDir);
    return { path: `/api/projects/${encodeURIComponent(project.uuid)}/jobs`, body: { ...input, pipeline_path: file.relativePath } };
  }

  /** Polls until batch `index` has all its runs and they have ended (or the job ended without them). */
  async #waitForBatch(job: JobView, index: number): Promise<BatchResult> {
    for (;;) {
      const shown = await this.#http.json<Shown>('GET', jobPath(job));
      const runs = shown.runs.filter((r) => r.job_run_index === index).sort((a, b) => a.job_run_pipeline_run_index - b.job_run_pipeline_run_index);
      const ended = runs.every((r) => r.status !== 'PENDING' && r.status !== 'STARTED');
      const jobEnded = ['SUCCESS', 'FAILURE', 'ABORTED'].includes(shown.job.status);
      if (ended && (runs.length === shown.job.parameters.length || (jobEnded && shown.job.total_scheduled_executions > index))) {
        return { job: job.uuid, job_run_index: index, runs: runs.map((r) => ({ uuid: r.uuid, status: r.status, parameters: r.parameters })) };
      }
      await sleep(POLL_MS);
    }
  }
}

function jobPath(job: JobView): string {
  return `/api/projects/${encodeURIComponent(job.project_uuid)}/jobs/${encodeURIComponent(job.uuid)}`;
}
