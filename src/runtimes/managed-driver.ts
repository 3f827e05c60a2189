import { BerthError, isBerthError } from '../errors.ts';
import { abortable } from './abortable.ts';
import type {
  HelperHealth,
  DriverCapabilities,
  ExecOptions,
  ExecResult,
  ExitStatus,
  LogChunk,
  LogOptions,
  OwnerLabels,
  RuntimeDriver,
  WorkloadHandle,
  WorkloadSpec,
  WorkloadHealth,
  RestartPolicyName,
  WorkloadStats,
} from './driver.ts';

export interface ManagedDriverOptions {
  /** Limit for each call except wait, logs and attached exec (stop gets its graceMs on top, exec its timeoutMs). Default 30 s. */
  timeoutMs?: number;
  /** Stamped on every spec's labels and on every list filter, so installations never adopt each other's workloads. */
  installation?: string;
}

const DEFAULT_TIMEOUT_MS = 30_000;

/**
 * What the engine talks to: any driver plus the guarantees the seam promises. init runs once, lazily,
 * before anything else (concurrent first calls share it; a failed init is retried by the next call);
 * calls time out with BERTH_E_DRIVER_TIMEOUT; errors surface as BerthErrors (unknown ones become
 * BERTH_E_DRIVER, a caller's AbortError stays as it is); destroy runs once.
 */
export class ManagedDriver implements RuntimeDriver {
  readonly name: string;
  readonly capabilities: DriverCapabilities;
  readonly #inner: RuntimeDriver;
  readonly #timeoutMs: number;
  readonly #installation: string | undefined;
  #ready: Promise<void> | undefined;
  #destroyed: Promise<void> | undefined;
  readonly startAfter?: (afterId: string, spec: WorkloadSpec) => Promise<{ handle: WorkloadHandle; startedAt: number } | null>;
  readonly endedAt?: (handle: WorkloadHandle) => number | undefined;
  readonly cancelStartAfter?: (id: string) => void;

  helpers(): HelperHealth[] {
    return this.#inner.helpers?.() ?? [];
  }

  constructor(inner: RuntimeDriver, opts: ManagedDriverOptions = {}) {
    this.#inner = inner;
    this.name = inner.name;
    this.capabilities = inner.capabilities;
    this.#timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.#installation = opts.installation;
    if (inner.startAfter && inner.cancelStartAfter) {
      const startAfter = inner.startAfter.bind(inner);
      // No time limit: it waits for `after` to end. Any failure means "start it as usual".
      // Called in order and passed on in that order (no await before the inner call once initialised).
      this.startAfter = (afterId, spec) => {
        const call = (): Promise<{ handle: WorkloadHandle; startedAt: number } | null> => startAfter(afterId, this.#labeled(spec)).catch(() => null);
        return this.#ready ? this.#ready.then(call, () => null) : this.init().then(call, () => null);
      };
      this.cancelStartAfter = inner.cancelStartAfter.bind(inner);
      if (inner.endedAt) this.endedAt = inner.endedAt.bind(inner);
    }
  }

  #labeled(spec: WorkloadSpec): WorkloadSpec {
    return this.#installation === undefined ? spec : { ...spec, labels: { ...spec.labels, installation: this.#installation } };
  }

  warm(): void {
    try {
      this.#inner.warm?.();
    } catch {
      // only a head start: the work is done (and any failure reported) when it is needed
    }
  }

  init(signal?: AbortSignal): Promise<void> {
    if (!this.#ready) {
      const ready = this.#call('init', this.#timeoutMs, (s) => this.#inner.init(s));
      this.#ready = ready;
      ready.catch(() => {
        if (this.#ready === ready) this.#ready = undefined;
      });
    }
    return abortable(this.#ready, signal);
  }

  async start(spec: WorkloadSpec, signal?: AbortSignal): Promise<WorkloadHandle> {
    await this.init(signal);
    const labeled = this.#labeled(spec);
    return this.#call('start', this.#timeoutMs, (s) => this.#inner.start(labeled, s), signal);
  }

  async wait(handle: WorkloadHandle, signal?: AbortSignal): Promise<ExitStatus> {
    await this.init(signal);
    try {
      return await this.#inner.wait(handle, signal);
    } catch (e) {
      throw this.#wrap(e, 'wait');
    }
  }

  async stop(handle: WorkloadHandle, opts: { signal?: string; graceMs: number }): Promise<void> {
    await this.init();
    return this.#call('stop', this.#timeoutMs + opts.graceMs, () => this.#inner.stop(handle, opts));
  }

  async *logs(handle: WorkloadHandle, opts?: LogOptions): AsyncGenerator<LogChunk> {
    await this.init(opts?.signal);
    try {
      yield* this.#inner.logs(handle, opts);
    } catch (e) {
      throw this.#wrap(e, 'logs');
    }
  }

  /** No limit on an attached exec (someone's shell); a captured one gets its own timeoutMs on top. */
  async exec(handle: WorkloadHandle, argv: string[], opts?: ExecOptions): Promise<ExecResult> {
    await this.init();
    if (opts?.attach) {
      try {
        return await this.#inner.exec(handle, argv, opts);
      } catch (e) {
        throw this.#wrap(e, 'exec');
      }
    }
    return this.#call('exec', this.#timeoutMs + (opts?.timeoutMs ?? 0), () => this.#inner.exec(handle, argv, opts));
  }

  async list(owner: OwnerLabels): Promise<WorkloadHandle[]> {
    await this.init();
    const filter = this.#installation === undefined ? owner : { ...owner, installation: this.#installation };
    return this.#call('list', this.#timeoutMs, () => this.#inner.list(filter));
  }

  async isRunning(handle: WorkloadHandle): Promise<boolean> {
    await this.init();
    return this.#call('isRunning', this.#timeoutMs, () => this.#inner.isRunning(handle));
  }

  /** Nothing on drivers that do not restart workloads themselves (their callers apply the policy). */
  async setRestartPolicy(handle: WorkloadHandle, policy: RestartPolicyName): Promise<void> {
    await this.init();
    const inner = this.#inner;
    if (inner.setRestartPolicy) await this.#call('setRestartPolicy', this.#timeoutMs, () => inner.setRestartPolicy!(handle, policy));
  }

  /** 'none' on drivers without health checks. */
  async health(handle: WorkloadHandle): Promise<WorkloadHealth> {
    await this.init();
    const inner = this.#inner;
    if (!inner.health) return 'none';
    return this.#call('health', this.#timeoutMs, () => inner.health!(handle));
  }

  async stats(handle: WorkloadHandle): Promise<WorkloadStats> {
    await this.init();
    const inner = this.#inner;
    if (!inner.stats) {
      throw new BerthError('BERTH_E_RUNTIME_UNSUPPORTED', `the ${this.name} runtime does not report resource use (stats)`, {
        problems: [{ path: 'stats', message: `not available on the ${this.name} runtime`, fix: 'use a runtime whose capabilities include stats' }],
      });
    }
    return this.#call('stats', this.#timeoutMs, () => inner.stats!(handle));
  }

  async remove(handle: WorkloadHandle): Promise<void> {
    await this.init();
    return this.#call('remove', this.#timeoutMs, () => this.#inner.remove(handle));
  }

  destroy(): Promise<void> {
    this.#destroyed ??= this.#call('destroy', this.#timeoutMs, () => this.#inner.destroy());
    return this.#destroyed;
  }

  /** Runs one inner call under a time limit; the inner call's signal aborts when the limit or the caller's signal hits. */
  async #call<T>(method: string, timeoutMs: number, run: (signal: AbortSignal) => Promise<T>, callerSignal?: AbortSignal): Promise<T> {
    const limit = new AbortController();
    const signal = callerSignal ? AbortSignal.any([callerSignal, limit.signal]) : limit.signal;
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        const error = new BerthError('BERTH_E_DRIVER_TIMEOUT', `the ${this.name} driver's ${method} did not finish within ${timeoutMs} ms`, {
          details: { driver: this.name, method, timeoutMs },
        });
        limit.abort(error);
        reject(error);
      }, timeoutMs);
    });
    try {
      return await Promise.race([(async () => run(signal))(), timedOut]);
    } catch (e) {
      throw this.#wrap(e, method);
    } finally {
      clearTimeout(timer);
    }
  }

  #wrap(error: unknown, method: string): unknown {
    if (isBerthError(error) || (error instanceof Error && error.name === 'AbortError')) return error;
    const message = error instanceof Error ? error.message : String(error);
    return new BerthError('BERTH_E_DRIVER', `the ${this.name} driver's ${method} failed: ${message}`, {
      cause: error,
      details: { driver: this.name, method },
    });
  }
}
