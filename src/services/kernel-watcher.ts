import type { Kysely } from 'kysely';
import type { Logger } from '../log.ts';
import { readOrchestEnvironments } from '../environments/orchest-environments.ts';
import type { KernelSummary, StateChange, StateChangeHook } from '../store/state-change.ts';
import type { Database } from '../store/tables.ts';

/** How often a watched Jupyter server is asked for its kernels. */
export const KERNEL_POLL_MS = 2_000;
/** Failed polls in a row after which a Jupyter server is taken for gone (its kernels with it). */
const GONE_AFTER_FAILURES = 3;
const KERNEL_PREFIX = 'orchest-kernel-';

interface Watch {
  sessionUuid: string;
  projectUuid: string;
  projectDir: string;
  url: string;
  authorization: string;
  known: Map<string, KernelSummary>;
  /** Whether `known` has been filled from the events table (the kernels an earlier server saw start, not stop). */
  seeded: boolean;
  failures: number;
  timer: NodeJS.Timeout | null;
  busy: Promise<void> | null;
}

/**
 * Records `project:pipeline:interactive-session:kernel:{started,stopped}` for the kernels of the
 * sessions' Jupyter servers by asking each server's `api/kernels` (Jupyter's own answer, whatever
 * started or ended a kernel: `api/kernels`, `api/sessions` from JupyterLab, a restart, culling).
 * A session's Jupyter is reachable only through Berth's proxy with a token only Berth knows, so no
 * kernel starts without a proxied request: the proxy calls `watch` on each, which starts polling
 * that server. A watch ends when the session's teardown calls `ended` (every kernel still known is
 * recorded stopped, before the session's own `stopped`) or when the server stops answering and its
 * session is no longer RUNNING (or it failed GONE_AFTER_FAILURES polls in a row). Each kernel's
 * `started` and `stopped` is recorded once per session, even by a restarted or second server: the
 * events table is asked first, in the same transaction.
 */
export class KernelWatcher {
  readonly #db: Kysely<Database>;
  readonly #hook: StateChangeHook;
  readonly #log: Logger | undefined;
  readonly #pollMs: number;
  readonly #watches = new Map<string, Watch>();

  constructor(opts: { db: Kysely<Database>; hook: StateChangeHook; log?: Logger; pollMs?: number }) {
    this.#db = opts.db;
    this.#hook = opts.hook;
    this.#log = opts.log;
    this.#pollMs = opts.pollMs ?? KERNEL_POLL_MS;
  }

  /** Starts watching the session's Jupyter server at `url` (its base, ending in `/`) unless it is watched already. */
  watch(w: { sessionUuid: string; projectUuid: string; projectDir: string; url: string; authorization: string }): void {
    const current = this.#watches.get(w.sessionUuid);
    if (current) {
      current.url = w.url;
      return;
    }
    const watch: Watch = { ...w, known: new Map(), seeded: false, failures: 0, timer: null, busy: null };
    this.#watches.set(w.sessionUuid, watch);
    this.#schedule(watch, 0);
  }

  /** The session's Jupyter server was stopped: every kernel still known is recorded stopped, and the watch ends. */
  async ended(sessionUuid: string): Promise<void> {
    const watch = this.#watches.get(sessionUuid);
    if (!watch) return;
    this.#watches.delete(sessionUuid);
    if (watch.timer) clearTimeout(watch.timer);
    await watch.busy?.catch(() => undefined);
    await this.#stopAll(watch);
  }

  /** Ends every watch without recording anything (the server is closing; the kernels live on). */
  async close(): Promise<void> {
    const all = [...this.#watches.values()];
    this.#watches.clear();
    for (const w of all) if (w.timer) clearTimeout(w.timer);
    await Promise.all(all.map((w) => w.busy?.catch(() => undefined) ?? Promise.resolve()));
  }

  #schedule(watch: Watch, ms: number): void {
    watch.timer = setTimeout(() => {
      watch.timer = null;
      watch.busy = this.#poll(watch)
        .catch((e: unknown) => this.#log?.warn({ session: watch.sessionUuid, err: String(e) }, 'kernel events: poll failed'))
        .finally(() => {
          watch.busy = null;
          if (this.#watches.get(watch.sessionUuid) === watch) this.#schedule(watch, this.#pollMs);
        });
    }, ms);
    watch.timer.unref();
  }

  async #poll(watch: Watch): Promise<void> {
    const kernels = await this.#kernels(watch);
    if (kernels === null) {
      watch.failures += 1;
      const row = await this.#db.selectFrom('sessions').select('status').where('uuid', '=', watch.sessionUuid).executeTakeFirst();
      if (row?.status !== 'RUNNING' || watch.failures >= GONE_AFTER_FAILURES) {
        this.#watches.delete(watch.sessionUuid);
        await this.#stopAll(watch);
      }
      return;
    }
    watch.failures = 0;
    if (!watch.seeded) {
      // Kernels recorded started (by an earlier server, before a restart) and not stopped: one that ended meanwhile is recorded stopped now.
      for (const summary of await this.#recordedRunning(watch)) if (!watch.known.has(summary.id)) watch.known.set(summary.id, summary);
      watch.seeded = true;
    }
    const seen = new Set<string>();
    for (const k of kernels) {
      seen.add(k.id);
      if (watch.known.has(k.id)) continue;
      const summary = this.#summary(watch, k);
      watch.known.set(k.id, summary);
      await this.#record(watch, { entity: 'kernel', verb: 'started', sessionUuid: watch.sessionUuid, kernel: summary });
    }
    for (const [id, summary] of [...watch.known]) {
      if (seen.has(id)) continue;
      watch.known.delete(id);
      await this.#record(watch, { entity: 'kernel', verb: 'stopped', sessionUuid: watch.sessionUuid, kernel: summary });
    }
  }

  async #stopAll(watch: Watch): Promise<void> {
    for (const summary of watch.known.values()) await this.#record(watch, { entity: 'kernel', verb: 'stopped', sessionUuid: watch.sessionUuid, kernel: summary });
    watch.known.clear();
  }

  /** The session's kernels whose last recorded event is `started`, as recorded. */
  async #recordedRunning(watch: Watch): Promise<KernelSummary[]> {
    const rows = await this.#db
      .selectFrom('events')
      .select(['type', 'payload_json'])
      .where('type', 'in', ['project:pipeline:interactive-session:kernel:started', 'project:pipeline:interactive-session:kernel:stopped'])
      .where('project_uuid', '=', watch.projectUuid)
      .where('payload_json', 'like', `%"uuid":"${watch.sessionUuid}"%"kernel":{%`)
      .orderBy('id', 'asc')
      .execute();
    const running = new Map<string, KernelSummary>();
    for (const row of rows) {
      const session = (JSON.parse(row.payload_json) as { project?: { pipeline?: { session?: { uuid?: string; kernel?: KernelSummary } } } }).project?.pipeline?.session;
      if (session?.uuid !== watch.sessionUuid || !session.kernel) continue;
      if (row.type.endsWith(':started')) running.set(session.kernel.id, session.kernel);
      else running.delete(session.kernel.id);
    }
    return [...running.values()];
  }

  /** The server's kernels, or null when it does not answer. */
  async #kernels(watch: Watch): Promise<Array<{ id: string; name: string }> | null> {
    try {
      const res = await fetch(`${watch.url}api/kernels`, { headers: { authorization: watch.authorization }, signal: AbortSignal.timeout(10_000) });
      if (res.status !== 200) {
        await res.body?.cancel();
        return null;
      }
      const body = (await res.json()) as unknown;
      if (!Array.isArray(body)) return null;
      return body.filter((k): k is { id: string; name: string } => typeof k?.id === 'string').map((k) => ({ id: k.id, name: typeof k.name === 'string' ? k.name : '' }));
    } catch {
      return null;
    }
  }

  #summary(watch: Watch, k: { id: string; name: string }): KernelSummary {
    if (!k.name.startsWith(KERNEL_PREFIX)) return { id: k.id, name: k.name };
    const uuid = k.name.slice(KERNEL_PREFIX.length);
    const env = readOrchestEnvironments(watch.projectDir).find((e) => e.uuid === uuid);
    return { id: k.id, name: k.name, ...(env ? { environment: { uuid: env.uuid, name: env.name } } : {}) };
  }

  /** Records the change once: not when this session already has this kernel's event of that verb. */
  async #record(watch: Watch, change: Extract<StateChange, { entity: 'kernel' }>): Promise<void> {
    const type = `project:pipeline:interactive-session:kernel:${change.verb}`;
    await this.#db.transaction().execute(async (tx) => {
      const prior = await tx
        .selectFrom('events')
        .select('uuid')
        .where('type', '=', type)
        .where('project_uuid', '=', watch.projectUuid)
        .where('payload_json', 'like', `%"uuid":"${watch.sessionUuid}"%"kernel":{"id":"${change.kernel.id}"%`)
        .executeTakeFirst();
      if (!prior) await this.#hook(tx, change);
    });
  }
}
