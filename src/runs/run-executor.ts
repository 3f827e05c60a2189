import { appendFileSync } from 'node:fs';
import type { RunPlan } from '../core/run-planner.ts';
import type { Status } from '../core/statuses.ts';
import type { RuntimeDriver, WorkloadHandle, WorkloadSpec } from '../runtimes/driver.ts';
import type { RunRepository } from '../store/run-repository.ts';
import type { RunObserver } from './run-events.ts';

export type PreparedStep = { ok: true; spec: WorkloadSpec } | { ok: false; reason: string; logPath: string };

export interface RunExecutorOptions {
  runUuid: string;
  plan: RunPlan;
  titles: Map<string, string>;
  /** Builds the workload for a step when it becomes ready (or says why it cannot run). */
  prepare: (stepUuid: string) => PreparedStep | Promise<PreparedStep>;
  driver: RuntimeDriver;
  runs: RunRepository;
  /** 0 = unlimited. */
  parallelism: number;
  failFast: boolean;
  graceMs: number;
  now: () => string;
  observe: RunObserver;
  /** Ctrl-C: cancel the run (running steps get the stop signal and the grace period). */
  signal?: AbortSignal;
  /** How often to look for a cancel made by another process (`berth cancel`). */
  cancelPollMs?: number;
}

/**
 * Executes one planned run: a step starts as soon as all its parents succeeded, up to the
 * parallelism limit. A failed step aborts its descendants (independent branches finish), or
 * everything with failFast. Resolves with the run's end state once every step has one.
 */
export class RunExecutor {
  readonly #o: RunExecutorOptions;
  readonly #children = new Map<string, string[]>();
  readonly #waitingOn = new Map<string, number>();
  readonly #ready: string[] = [];
  readonly #running = new Map<string, WorkloadHandle | null>();
  readonly #status = new Map<string, Status>();
  /** Registry clean-ups of ended steps, done while the run goes on; awaited before the run ends. */
  readonly #removals = new Set<Promise<void>>();
  /** Set once everything is being stopped (a cancel, or a failure under failFast). */
  #stopping: string | null = null;
  #cancelled = false;
  #failed = false;
  #done!: () => void;

  constructor(opts: RunExecutorOptions) {
    this.#o = opts;
    for (const step of opts.plan.steps) {
      this.#children.set(step, []);
      this.#status.set(step, 'PENDING');
    }
    for (const step of opts.plan.steps) {
      const parents = opts.plan.parents[step] ?? [];
      this.#waitingOn.set(step, parents.length);
      for (const p of parents) this.#children.get(p)?.push(step);
      if (parents.length === 0) this.#ready.push(step);
    }
  }

  async execute(): Promise<Status> {
    const { runUuid, signal } = this.#o;
    const finished = new Promise<void>((resolve) => (this.#done = resolve));
    const onAbort = () => void this.#cancel('cancelled by the user');
    signal?.addEventListener('abort', onAbort, { once: true });
    if (signal?.aborted) onAbort();
    const poll = setInterval(() => void this.#checkExternalCancel(), this.#o.cancelPollMs ?? 300);
    try {
      this.#pump();
      await finished;
    } finally {
      clearInterval(poll);
      signal?.removeEventListener('abort', onAbort);
      await Promise.all(this.#removals);
    }
    const status: Status = this.#cancelled ? 'ABORTED' : this.#failed ? 'FAILURE' : 'SUCCESS';
    const failed = [...this.#status].filter(([, s]) => s === 'FAILURE').map(([id]) => `"${this.#o.titles.get(id) ?? id}"`);
    const reason = this.#cancelled ? this.#stopping : failed.length > 0 ? `failed step${failed.length > 1 ? 's' : ''}: ${failed.join(', ')}` : null;
    // End states never change: when this call decided it, the store holds `status` (no read back).
    const decided = await this.#o.runs.finish(runUuid, status, this.#o.now(), reason);
    const final = decided ? status : ((await this.#o.runs.status(runUuid)) ?? status);
    this.#o.observe({ type: 'run-finished', runUuid, status: final });
    return final;
  }

  #pump(): void {
    const limit = this.#o.parallelism > 0 ? this.#o.parallelism : Infinity;
    while (this.#stopping === null && this.#ready.length > 0 && this.#running.size < limit) {
      const step = this.#ready.shift()!;
      this.#running.set(step, null);
      void this.#runStep(step);
    }
    if (this.#running.size === 0 && (this.#ready.length === 0 || this.#stopping !== null)) this.#done();
  }

  async #runStep(step: string): Promise<void> {
    const { runs, runUuid, driver, now } = this.#o;
    const title = this.#o.titles.get(step) ?? step;
    let status: Status = 'FAILURE';
    let exitCode: number | null = null;
    let reason: string | null = null;
    let handle: WorkloadHandle | undefined;
    try {
      if (!(await runs.startStep(runUuid, step, now()))) {
        status = 'ABORTED';
        return;
      }
      this.#status.set(step, 'STARTED');
      this.#o.observe({ type: 'step-started', runUuid, stepUuid: step, title });
      const prepared = await this.#o.prepare(step);
      if (!prepared.ok) {
        reason = prepared.reason;
        appendFileSync(prepared.logPath, `berth: ${reason}\n`);
        return;
      }
      handle = await driver.start(prepared.spec);
      this.#running.set(step, handle);
      await runs.setStepHandle(runUuid, step, JSON.stringify(handle));
      // A cancel may have landed between the start decision and the start itself.
      if (this.#stopping !== null) void driver.stop(handle, { graceMs: this.#o.graceMs }).catch(() => {});
      const exit = await driver.wait(handle);
      exitCode = exit.code;
      if (exit.code === 0) status = 'SUCCESS';
      else reason = exit.reason ?? (exit.signal ? `ended by ${exit.signal}` : `exited with code ${exit.code}`);
      if (this.#stopping !== null && status !== 'SUCCESS') status = 'ABORTED';
    } catch (e) {
      reason = e instanceof Error ? e.message : String(e);
    } finally {
      await this.#settle(step, title, status, exitCode, reason, handle);
    }
  }

  async #settle(step: string, title: string, status: Status, exitCode: number | null, reason: string | null, handle?: WorkloadHandle): Promise<void> {
    const { runs, runUuid, now } = this.#o;
    const decided = await runs.finishStep(runUuid, step, { status, now: now(), exitCode, reason }).catch(() => false);
    // The store now holds everything about the step: its registry entry can go (stragglers of its
    // group are stopped) while its children start. Crash in between: the next reconcile sweeps it.
    if (handle) this.#remove(handle);
    const steps = decided ? null : await runs.steps(runUuid).catch(() => []);
    const final = decided ? status : ((steps?.find((s) => s.step_uuid === step)?.status as Status | undefined) ?? status);
    this.#status.set(step, final);
    this.#running.delete(step);
    this.#o.observe({ type: 'step-finished', runUuid, stepUuid: step, title, status: final, exitCode, reason });
    if (final === 'SUCCESS') {
      for (const child of this.#children.get(step) ?? []) {
        const left = (this.#waitingOn.get(child) ?? 1) - 1;
        this.#waitingOn.set(child, left);
        if (left === 0 && this.#status.get(child) === 'PENDING') this.#ready.push(child);
      }
    } else if (final === 'FAILURE') {
      this.#failed = true;
      if (this.#o.failFast) await this.#cancel(`step "${title}" failed (--fail-fast)`, false);
      else await this.#abortDescendants(step, title);
    }
    this.#pump();
  }

  #remove(handle: WorkloadHandle): void {
    const removal = this.#o.driver.remove(handle).catch(() => {});
    this.#removals.add(removal);
    void removal.then(() => this.#removals.delete(removal));
  }

  async #abortDescendants(step: string, title: string): Promise<void> {
    const stack = [...(this.#children.get(step) ?? [])];
    const seen = new Set<string>();
    while (stack.length > 0) {
      const s = stack.pop()!;
      if (seen.has(s)) continue;
      seen.add(s);
      stack.push(...(this.#children.get(s) ?? []));
      if (this.#status.get(s) !== 'PENDING') continue;
      this.#status.set(s, 'ABORTED');
      const reason = `not run: upstream step "${title}" failed`;
      await this.#o.runs.finishStep(this.#o.runUuid, s, { status: 'ABORTED', now: this.#o.now(), reason });
      this.#o.observe({ type: 'step-finished', runUuid: this.#o.runUuid, stepUuid: s, title: this.#o.titles.get(s) ?? s, status: 'ABORTED', exitCode: null, reason });
    }
  }

  /** Stops running steps (signal, grace, kill) and aborts everything not yet ended. Idempotent. */
  async #cancel(reason: string, userCancel = true): Promise<void> {
    if (this.#stopping !== null) return;
    this.#stopping = reason;
    this.#cancelled = userCancel;
    const { runs, runUuid, now, driver, graceMs } = this.#o;
    this.#o.observe({ type: 'run-cancelling', runUuid, reason });
    this.#ready.length = 0;
    const pending = [...this.#status].filter(([, s]) => s === 'PENDING').map(([id]) => id);
    await runs.abortActiveSteps(runUuid, now(), reason);
    for (const s of pending) {
      if (this.#running.has(s)) continue;
      this.#status.set(s, 'ABORTED');
      this.#o.observe({ type: 'step-finished', runUuid, stepUuid: s, title: this.#o.titles.get(s) ?? s, status: 'ABORTED', exitCode: null, reason });
    }
    await Promise.all(
      [...this.#running.values()].map((h) => (h ? driver.stop(h, { graceMs }).catch(() => {}) : Promise.resolve())),
    );
    this.#pump();
  }

  async #checkExternalCancel(): Promise<void> {
    if (this.#stopping !== null) return;
    const status = await this.#o.runs.status(this.#o.runUuid).catch(() => undefined);
    if (status === 'ABORTED') await this.#cancel('cancelled (berth cancel)');
  }
}
