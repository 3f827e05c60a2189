import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { isLaunchableEnvVar } from '../../core/env-var-check.ts';
import { BerthError } from '../../errors.ts';
import type { ExitStatus, WorkloadSpec } from '../driver.ts';
import type { WorkloadCredentials } from './workload-user.ts';

const SCRIPT = fileURLToPath(new URL('./launcher.py', import.meta.url));

export interface Launched {
  pid: number;
  pgid: number;
  startTime: number;
  /** When the launcher started it (ms since the epoch). */
  startedAt: number;
  /** The workload's end as the launcher recorded it; undefined when the launcher itself went away first. */
  exited: Promise<LaunchedEnd | undefined>;
}

type Reply = { id: string; pid: number; pgid: number; startTime: number; at?: number } | { id: string; error: string } | { id: string; skipped: string } | { id: string; exit: ExitStatus; at?: number } | { restarted: string };

/** A workload's end as the launcher recorded it, and when it reaped it (ms since the epoch). */
export interface LaunchedEnd {
  status: ExitStatus;
  at: number | undefined;
}

interface Waiter<T> {
  resolve: (value: T) => void;
  reject: (error: Error) => void;
}

/** Why the launcher could not start this workload (checked here first; launcher.py checks again), or undefined. */
function requestProblem(spec: WorkloadSpec): string | undefined {
  for (const [name, value] of Object.entries(spec.env)) {
    if (!isLaunchableEnvVar(name, value)) return `environment variable "${name.replace(/\0/g, '\\u0000')}" cannot be set (a name holds no "=" or NUL, a value no NUL)`;
  }
  if (spec.command.length === 0 || spec.command.some((a) => typeof a !== 'string' || a.includes('\0'))) return 'the command is empty or holds a NUL character';
  if ([spec.cwd, spec.logPath, spec.errLogPath ?? ''].some((p) => p.includes('\0'))) return 'a path holds a NUL character';
  return undefined;
}

/**
 * Talks to launcher.py: a small Python process, in a session of its own, that starts this Berth
 * process's workloads and records their exit codes. Node's fork costs grow with Berth's memory;
 * the launcher's do not, and it writes the exit file itself, so no wrapper shell is needed. It
 * outlives Berth: workloads keep their recorded exit codes when Berth dies mid-run.
 */
export class Launcher {
  readonly #child: ChildProcess;
  readonly #starting = new Map<string, Waiter<Launched | null>>();
  readonly #exits = new Map<string, (end: LaunchedEnd | undefined) => void>();
  #lost: string | undefined;
  readonly #onRestart: (reason: string) => void;

  /**
   * `logPath` receives the launcher's own complaints: it must not hold Berth's stderr open.
   * `registryDir` lets it find the exit file of a workload whose worker died (see launcher.py).
   * `onRestart` hears each time its worker died and another took over.
   */
  constructor(python: string, logPath: string, opts: { registryDir?: string; onRestart?: (reason: string) => void } = {}) {
    const log = openSync(logPath, 'a', 0o600);
    try {
      this.#child = spawn(python, ['-I', '-S', SCRIPT, ...(opts.registryDir ? [opts.registryDir] : [])], { detached: true, stdio: ['pipe', 'pipe', log] });
    } finally {
      closeSync(log);
    }
    this.#onRestart = opts.onRestart ?? (() => undefined);
    this.#child.on('error', (e) => this.#lose(`the process launcher (${python}) could not start: ${e.message}`));
    // 'exit', not only 'close': its worker may hold the pipes open after the supervisor died.
    this.#child.on('exit', (code, signal) => {
      this.#lose(`the process launcher exited (${signal ?? `code ${code}`})`);
      // A worker left behind sees its input end, finishes its workloads and exits.
      this.#child.stdin?.end();
    });
    this.#child.on('close', (code, signal) => this.#lose(`the process launcher exited (${signal ?? `code ${code}`})`));
    this.#child.stdin?.on('error', () => undefined);
    createInterface({ input: this.#child.stdout! }).on('line', (line) => this.#receive(line));
    this.#updateRef();
  }

  /** `record.entry` is written to `record.path` (atomically, mode 0600) with pid, pgid and startTime added, before the answer. */
  launch(spec: WorkloadSpec, exitFile: string, record: { path: string; entry: object }, user?: WorkloadCredentials): Promise<Launched> {
    return this.#request(spec, exitFile, record, user, undefined) as Promise<Launched>;
  }

  /**
   * Like launch, but the launcher starts the workload itself the moment workload `after` (started
   * by it) exits with code 0, with no round trip through Berth. Resolves with null when it will
   * never start (`after` failed or had already ended, or disarm).
   */
  arm(after: string, spec: WorkloadSpec, exitFile: string, record: { path: string; entry: object }, user?: WorkloadCredentials): Promise<Launched | null> {
    return this.#request(spec, exitFile, record, user, after);
  }

  /** Drops an armed workload not yet started (its arm resolves with null; one already started resolves as started). */
  disarm(id: string): void {
    if (this.#starting.has(id) && !this.#lost) this.#child.stdin!.write(`${JSON.stringify({ disarm: id })}\n`);
  }

  #request(spec: WorkloadSpec, exitFile: string, record: { path: string; entry: object }, user: WorkloadCredentials | undefined, after: string | undefined): Promise<Launched | null> {
    if (this.#lost) return Promise.reject(this.#error(spec.id, this.#lost));
    if (this.#starting.has(spec.id) || this.#exits.has(spec.id)) {
      return Promise.reject(this.#error(spec.id, 'it is already being started by this Berth process'));
    }
    const bad = requestProblem(spec);
    if (bad) return Promise.reject(new BerthError('BERTH_E_INVALID_ARGUMENT', `could not start workload ${spec.id}: ${bad}`, { problems: [{ path: 'env', message: bad, fix: 'use variable names of letters, digits and "_" and values without NUL' }], details: { id: spec.id } }));
    const request = { id: spec.id, argv: spec.command, cwd: spec.cwd, env: spec.env, log: spec.logPath, err: spec.errLogPath, exit: exitFile, record, ...(user ? { user } : {}), ...(after !== undefined ? { after } : {}) };
    return new Promise<Launched | null>((resolve, reject) => {
      this.#starting.set(spec.id, { resolve, reject });
      this.#updateRef();
      this.#child.stdin!.write(`${JSON.stringify(request)}\n`);
    });
  }

  /** Lets this Node process exit while workloads run on; the launcher keeps recording their ends. */
  release(): void {
    this.#child.unref();
    this.#child.stdin?.end();
    this.#socketRef(false);
  }

  /** The launcher is gone: a new one must be made for the next workload. */
  get lost(): string | undefined {
    return this.#lost;
  }

  #receive(line: string): void {
    let reply: Reply;
    try {
      reply = JSON.parse(line) as Reply;
    } catch {
      return;
    }
    if ('restarted' in reply) {
      // Requests the dead worker had not answered are lost; workloads it started are reaped by the supervisor.
      for (const [id, waiter] of this.#starting) waiter.reject(this.#error(id, `${reply.restarted} while starting it; try again`));
      this.#starting.clear();
      this.#onRestart(reply.restarted);
    } else if ('exit' in reply) {
      this.#exits.get(reply.id)?.({ status: reply.exit, at: reply.at });
      this.#exits.delete(reply.id);
    } else {
      const waiter = this.#starting.get(reply.id);
      this.#starting.delete(reply.id);
      if ('error' in reply) waiter?.reject(this.#error(reply.id, reply.error));
      else if ('skipped' in reply) waiter?.resolve(null);
      else if (waiter) {
        const exited = new Promise<LaunchedEnd | undefined>((resolve) => this.#exits.set(reply.id, resolve));
        waiter.resolve({ pid: reply.pid, pgid: reply.pgid, startTime: reply.startTime, startedAt: reply.at ?? Date.now(), exited });
      }
    }
    this.#updateRef();
  }

  #lose(reason: string): void {
    this.#lost ??= reason;
    for (const [id, waiter] of this.#starting) waiter.reject(this.#error(id, reason));
    for (const resolve of this.#exits.values()) resolve(undefined);
    this.#starting.clear();
    this.#exits.clear();
  }

  #error(id: string, reason: string): BerthError {
    return new BerthError('BERTH_E_DRIVER', `could not start workload ${id}: ${reason}`, { details: { id } });
  }

  /** Keeps Node alive only while an answer from the launcher is awaited. */
  #updateRef(): void {
    const busy = this.#starting.size + this.#exits.size > 0;
    if (busy) this.#child.ref();
    else this.#child.unref();
    this.#socketRef(busy);
  }

  #socketRef(on: boolean): void {
    for (const stream of [this.#child.stdout, this.#child.stdin] as Array<{ ref?: () => void; unref?: () => void } | null>) {
      if (on) stream?.ref?.();
      else stream?.unref?.();
    }
  }
}
