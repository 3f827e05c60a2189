import { appendFileSync } from 'node:fs';
import type { RunPlan } from '../core/run-planner.ts';
import type { Status } from '../core/statuses.ts';
import type { RuntimeDriver, WorkloadHandle, WorkloadSpec } from '../runtimes/driver.ts';
import type { RunRepository } from '../store/run-repository.ts';
import type { RunObserver } from './run-events.ts';

/** How a step ended; `endedAt` (ms since the epoch) when the driver timed the end itself. */
type Outcome = { status: Status; exitCode: number | null; reason: string | null; endedAt?: number };

/** How many steps may be armed ahead of their start (see RunExecutor's #armNext). */
const ARM_AHEAD = 4;

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
  /** Steps the driver will start the moment a running step (the value) exits with code 0 (see #armNext). */
  readonly #armed = new Map<string, string>();
  /** Running steps with a step armed after them: their slot passes to it. */
  readonly #armedAfter = new Set<string>();
  /** Armed steps whose request went to the driver: their workload ids (a chain's next link names one). */
  readonly #armedIds = new Map<string, string>();
  /** Ended steps whose slot passes to the step armed after them, once its start is known. */
  readonly #heldSlots = new Set<string>();
  /** Resolved once a step's end is recorded (or it will never run): a step armed after it is recorded after that. */
  readonly #ends = new Map<string, PromiseWithResolvers<void>>();
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
    if (this.#running.size === 0 && this.#armed.size === 0 && (this.#ready.length === 0 || this.#stopping !== null)) this.#done();
    else this.#armNext();
  }

  /**
   * Hands the next starts to the driver before they are due, where the driver can (the process
   * launcher): after a running or armed step, the step that becomes ready when it succeeds (its
   * child whose other parents all succeeded) or, when every slot is taken, the next ready step. The
   * driver starts it the moment that step exits with code 0, with no round trip through this
   * process, and its start is recorded after its parent's end. Up to ARM_AHEAD steps are armed, so
   * a chain runs on while this process records. A failure or a cancel: it is started as usual.
   */
  #armNext(): void {
    const { driver } = this.#o;
    if (driver.startAfter === undefined || this.#stopping !== null) return;
    const limit = this.#o.parallelism > 0 ? this.#o.parallelism : Infinity;
    const parents: Array<[string, string]> = [];
    for (const [step, handle] of this.#running) if (handle !== null && !this.#heldSlots.has(step)) parents.push([step, handle.id]);
    parents.push(...this.#armedIds);
    for (const [step, id] of parents) {
      if (this.#armed.size >= ARM_AHEAD) return;
      if (this.#armedAfter.has(step)) continue;
      let next = this.#children.get(step)?.find((c) => this.#waitingOn.get(c) === 1 && this.#status.get(c) === 'PENDING' && !this.#armed.has(c) && !this.#ready.includes(c));
      if (next === undefined && this.#ready.length > 0 && this.#running.size - this.#heldSlots.size + this.#armed.size >= limit) next = this.#ready.shift();
      if (next !== undefined) this.#arm(step, id, next);
    }
  }

  #arm(after: string, afterId: string, step: string): void {
    const { driver } = this.#o;
    this.#armed.set(step, after);
    this.#armedAfter.add(after);
    const parentEnded = this.#endOf(after).promise;
    void (async () => {
      let started: { handle: WorkloadHandle; startedAt: number } | null = null;
      try {
        const prepared = await this.#o.prepare(step);
        if (prepared.ok && this.#stopping === null) {
          this.#armedIds.set(step, prepared.spec.id);
          const starting = driver.startAfter!(afterId, prepared.spec);
          this.#armNext();
          started = await starting;
        }
      } catch {
        started = null;
      }
      // Started: it runs after its parent succeeded, so it is recorded after the parent's end.
      if (started) await parentEnded;
      this.#armed.delete(step);
      this.#armedIds.delete(step);
      this.#armedAfter.delete(after);
      // The slot passes from the parent (held since its end) to this step, or back to the pool.
      if (this.#heldSlots.delete(after)) this.#running.delete(after);
      if (started) return this.#runArmed(step, started.handle, started.startedAt);
      // Not started (what was armed after it was not either): ready again if nothing else holds it back.
      if (this.#status.get(step) === 'PENDING' && this.#waitingOn.get(step) === 0 && this.#stopping === null && !this.#ready.includes(step)) this.#ready.unshift(step);
      this.#pump();
    })();
  }

  /** A step the driver started after its parent: recorded now; a cancel that came first stops it. */
  async #runArmed(step: string, handle: WorkloadHandle, startedAt: number): Promise<void> {
    const { runs, runUuid, driver } = this.#o;
    const title = this.#o.titles.get(step) ?? step;
    this.#running.set(step, handle);
    // When it really started, on the driver's clock (which also timed its parent's end), not when this process got to it.
    if (!(await runs.startStep(runUuid, step, new Date(startedAt).toISOString(), JSON.stringify(handle)).catch(() => false))) {
      // Ended meanwhile (a cancel, a failed parent under fail-fast; the store says so): it is stopped.
      if (this.#status.get(step) === 'PENDING') {
        this.#status.set(step, 'ABORTED');
        this.#o.observe({ type: 'step-finished', runUuid, stepUuid: step, title, status: 'ABORTED', exitCode: null, reason: this.#stopping ?? 'not started: the run ended' });
      }
      await driver.stop(handle, { graceMs: this.#o.graceMs }).catch(() => {});
      this.#remove(handle);
      this.#running.delete(step);
      this.#endOf(step).resolve();
      this.#pump();
      return;
    }
    this.#status.set(step, 'STARTED');
    this.#o.observe({ type: 'step-started', runUuid, stepUuid: step, title });
    this.#armNext();
    let outcome: Outcome = { status: 'FAILURE', exitCode: null, reason: null };
    try {
      outcome = await this.#outcome(handle);
    } catch (e) {
      outcome.reason = e instanceof Error ? e.message : String(e);
    } finally {
      await this.#settle(step, title, outcome, handle);
    }
  }

  /** How a started step ended. A cancel may have landed between the start decision and the start itself: it is stopped then. */
  async #outcome(handle: WorkloadHandle): Promise<Outcome> {
    if (this.#stopping !== null) void this.#o.driver.stop(handle, { graceMs: this.#o.graceMs }).catch(() => {});
    const exit = await this.#o.driver.wait(handle);
    let status: Status = exit.code === 0 ? 'SUCCESS' : 'FAILURE';
    const reason = exit.code === 0 ? null : (exit.reason ?? (exit.signal ? `ended by ${exit.signal}` : `exited with code ${exit.code}`));
    if (this.#stopping !== null && status !== 'SUCCESS') status = 'ABORTED';
    const endedAt = this.#o.driver.endedAt?.(handle);
    return { status, exitCode: exit.code, reason, ...(endedAt !== undefined ? { endedAt } : {}) };
  }

  async #runStep(step: string): Promise<void> {
    const { runs, runUuid, driver, now } = this.#o;
    const title = this.#o.titles.get(step) ?? step;
    let outcome: Outcome = { status: 'FAILURE', exitCode: null, reason: null };
    let handle: WorkloadHandle | undefined;
    try {
      if (!(await runs.startStep(runUuid, step, now()))) {
        outcome.status = 'ABORTED';
        return;
      }
      this.#status.set(step, 'STARTED');
      this.#o.observe({ type: 'step-started', runUuid, stepUuid: step, title });
      const prepared = await this.#o.prepare(step);
      if (!prepared.ok) {
        outcome.reason = prepared.reason;
        appendFileSync(prepared.logPath, `berth: ${prepared.reason}\n`);
        return;
      }
      handle = await driver.start(prepared.spec);
      this.#running.set(step, handle);
      this.#armNext();
      await runs.setStepHandle(runUuid, step, JSON.stringify(handle));
      outcome = await this.#outcome(handle);
    } catch (e) {
      outcome.reason = e instanceof Error ? e.message : String(e);
    } finally {
      await this.#settle(step, title, outcome, handle);
    }
  }

  #endOf(step: string): PromiseWithResolvers<void> {
    let end = this.#ends.get(step);
    if (!end) this.#ends.set(step, (end = Promise.withResolvers<void>()));
    return end;
  }

  async #settle(step: string, title: string, outcome: Outcome, handle?: WorkloadHandle): Promise<void> {
    try {
      await this.#settleNow(step, title, outcome, handle);
    } finally {
      this.#endOf(step).resolve();
    }
  }

  async #settleNow(step: string, title: string, outcome: Outcome, handle?: WorkloadHandle): Promise<void> {
    const { runs, runUuid, now } = this.#o;
    const { status, exitCode, reason } = outcome;
    const at = outcome.endedAt !== undefined ? new Date(outcome.endedAt).toISOString() : now();
    const decided = await runs.finishStep(runUuid, step, { status, now: at, exitCode, reason }).catch(() => false);
    // The store now holds everything about the step: its registry entry can go (stragglers of its
    // group are stopped) while its children start. Crash in between: the next reconcile sweeps it.
    if (handle) this.#remove(handle);
    const steps = decided ? null : await runs.steps(runUuid).catch(() => []);
    const final = decided ? status : ((steps?.find((s) => s.step_uuid === step)?.status as Status | undefined) ?? status);
    this.#status.set(step, final);
    // A step armed after this one takes over the slot once its start is known (see #arm).
    if (this.#armedAfter.has(step)) this.#heldSlots.add(step);
    else this.#running.delete(step);
    this.#o.observe({ type: 'step-finished', runUuid, stepUuid: step, title, status: final, exitCode, reason });
    if (final === 'SUCCESS') {
      for (const child of this.#children.get(step) ?? []) {
        const left = (this.#waitingOn.get(child) ?? 1) - 1;
        this.#waitingOn.set(child, left);
        if (left === 0 && this.#status.get(child) === 'PENDING' && !this.#armed.has(child)) this.#ready.push(child);
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
      this.#endOf(s).resolve();
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
    for (const step of this.#armed.keys()) driver.cancelStartAfter?.(step);
    this.#o.observe({ type: 'run-cancelling', runUuid, reason });
    this.#ready.length = 0;
    const pending = [...this.#status].filter(([, s]) => s === 'PENDING').map(([id]) => id);
    await runs.abortActiveSteps(runUuid, now(), reason);
    for (const s of pending) {
      if (this.#running.has(s)) continue;
      this.#status.set(s, 'ABORTED');
      this.#endOf(s).resolve();
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
