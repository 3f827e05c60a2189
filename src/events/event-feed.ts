import { sql, type Kysely } from 'kysely';
import type { Database } from '../store/tables.ts';
import type { EventRecorder, RecordedEvent } from './event-recorder.ts';

export interface EventFilter {
  /** An exact type, or a prefix ending in ':' (e.g. `project:cron-job:`). */
  type?: string;
  projectUuid?: string;
}

export interface StoredEvent extends RecordedEvent {
  /** Position in the log: pass it back as `before` (pages) or `after` (streams). */
  id: number;
}

export interface EventPage {
  events: StoredEvent[];
  /** Give as `before` for the next (older) page; null on the last page. */
  next_cursor: number | null;
}

/** The event log: paginated queries (newest first) and live following (oldest first), across processes. */
export class EventFeed {
  readonly #db: Kysely<Database>;
  readonly #recorder: EventRecorder;
  readonly #pollMs: number;

  constructor(db: Kysely<Database>, recorder: EventRecorder, opts: { pollMs?: number } = {}) {
    this.#db = db;
    this.#recorder = recorder;
    this.#pollMs = opts.pollMs ?? 500;
  }

  async list(filter: EventFilter & { limit?: number; before?: number } = {}): Promise<EventPage> {
    const limit = Math.min(Math.max(filter.limit ?? 50, 1), 1000);
    let q = this.#filtered(filter).orderBy('id', 'desc').limit(limit + 1);
    if (filter.before !== undefined) q = q.where('id', '<', filter.before);
    const rows = await q.execute();
    const events = rows.slice(0, limit).map(toEvent);
    return { events, next_cursor: rows.length > limit ? events[events.length - 1]!.id : null };
  }

  /** The id of the newest event (0 when there is none): where a live stream that wants only new events starts. */
  async latestId(): Promise<number> {
    const row = await this.#db.selectFrom('events').select((eb) => eb.fn.max('id').as('id')).executeTakeFirst();
    return Number(row?.id ?? 0);
  }

  /**
   * Yields events with id > `after`, oldest first, until `signal` aborts. Wakes at once on events
   * recorded in this process and polls for those written by other processes (e.g. a CLI run).
   */
  async *follow(filter: EventFilter & { after: number; signal: AbortSignal }): AsyncGenerator<StoredEvent> {
    let cursor = filter.after;
    let wake: (() => void) | null = null;
    const nudge = () => wake?.();
    const off = this.#recorder.onRecorded(nudge);
    filter.signal.addEventListener('abort', nudge);
    try {
      while (!filter.signal.aborted) {
        const rows = await this.#filtered(filter).where('id', '>', cursor).orderBy('id', 'asc').limit(500).execute();
        for (const row of rows) {
          cursor = row.id;
          yield toEvent(row);
        }
        if (rows.length === 500) continue;
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, this.#pollMs);
          wake = () => (clearTimeout(timer), resolve());
        });
        wake = null;
      }
    } finally {
      off();
      filter.signal.removeEventListener('abort', nudge);
    }
  }

  #filtered(filter: EventFilter) {
    let q = this.#db.selectFrom('events').selectAll();
    if (filter.type) q = filter.type.endsWith(':') ? q.where(sql<string>`substr(type, 1, ${filter.type.length})`, '=', filter.type) : q.where('type', '=', filter.type);
    if (filter.projectUuid) q = q.where('project_uuid', '=', filter.projectUuid);
    return q;
  }
}

function toEvent(row: { id: number; payload_json: string }): StoredEvent {
  return { id: row.id, ...(JSON.parse(row.payload_json) as RecordedEvent) };
}
