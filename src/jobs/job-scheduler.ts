import type { BatchResult, JobService } from './job-service.ts';

/**
 * The loop that starts due job batches. Hosted in-process: `berth scheduler` runs it in the
 * foreground, `berth server` runs it beside the API. Several schedulers on one store are safe:
 * a batch is claimed by one conditional update.
 */
export class JobScheduler {
  readonly #jobs: JobService;
  readonly #pollMs: number;
  readonly #log: (line: string) => void;
  readonly #batches = new Set<Promise<unknown>>();
  readonly #abortRuns = new AbortController();
  #stopping = false;
  #timer: NodeJS.Timeout | null = null;
  #ticking: Promise<void> | null = null;
  /** A nudge came during a tick: tick again right after it. */
  #nudged = false;

  /** Whether this process may schedule now (several servers on one PostgreSQL store: one leads). */
  readonly #leads: () => Promise<boolean>;

  constructor(jobs: JobService, opts: { pollMs: number; log?: (line: string) => void; leads?: () => Promise<boolean> }) {
    this.#jobs = jobs;
    this.#leads = opts.leads ?? (async () => true);
    this.#pollMs = opts.pollMs;
    this.#log = opts.log ?? (() => {});
  }

  start(): void {
    if (this.#timer) return;
    this.#timer = setTimeout(this.#loop, 0);
  }

  /** Looks for due jobs now instead of at the next poll (e.g. after a job was created to run now). */
  nudge(): void {
    if (this.#stopping || !this.#timer) return;
    if (this.#ticking) {
      this.#nudged = true;
      return;
    }
    clearTimeout(this.#timer);
    this.#timer = setTimeout(this.#loop, 0);
  }

  readonly #loop = (): void => {
    this.#nudged = false;
    this.#ticking = this.tick().finally(() => {
      this.#ticking = null;
      if (!this.#stopping) this.#timer = setTimeout(this.#loop, this.#nudged ? 0 : this.#pollMs);
    });
  };

  /** Starts every due batch (without waiting for them). Returns the started batches. */
  async tick(): Promise<void> {
    try {
      if (!(await this.#leads())) return;
      for (const batch of await this.#jobs.startDue({ signal: this.#abortRuns.signal })) this.#track(batch);
    } catch (e) {
      this.#log(`scheduler: ${e instanceof Error ? e.message : String(e)}`);
    }
  }

  /** Waits for every batch started so far to end. */
  async idle(): Promise<void> {
    while (this.#batches.size > 0) await Promise.all(this.#batches);
  }

  /** Stops scheduling; with `abortRuns`, the runs of started batches are cancelled, else awaited. */
  async stop(opts: { abortRuns: boolean }): Promise<void> {
    this.#stopping = true;
    if (this.#timer) clearTimeout(this.#timer);
    if (opts.abortRuns) this.#abortRuns.abort();
    await this.#ticking;
    await this.idle();
  }

  #track(batch: Promise<BatchResult>): void {
    const p = batch
      .then((b) => this.#log(`job ${b.job.slice(0, 8)} batch ${b.job_run_index}: ${b.runs.map((r) => r.status).join(', ')}`))
      .catch((e: unknown) => this.#log(`scheduler: a batch failed: ${e instanceof Error ? e.message : String(e)}`))
      .finally(() => this.#batches.delete(p));
    this.#batches.add(p);
  }
}
