import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { StateChange } from '../store/state-change.ts';
import type { Database } from '../store/tables.ts';
import { appendEvent } from '../store/append-event.ts';
import { buildEventSubject, type BuiltEvent } from './event-payload.ts';
import { eventTypeOf } from './event-types.ts';
import { telemetryPayload } from './telemetry-payload.ts';
import { deliveredFor } from './webhook-service.ts';

export interface RecordedEvent {
  uuid: string;
  type: string;
  timestamp: string;
  project: BuiltEvent['subject']['project'];
}

/**
 * The StateChangeHook behind every repository: inside the change's transaction it stores the event
 * and one outbox delivery per matching subscriber, with the payload built now.
 */
export class EventRecorder {
  readonly #now: () => string;
  readonly #salt: () => string;
  readonly #listeners = new Set<() => void>();

  /** `salt` is the per-install telemetry salt (read lazily: only analytics deliveries need it). */
  constructor(opts: { now: () => string; salt: () => string }) {
    this.#now = opts.now;
    this.#salt = opts.salt;
  }

  /** Called after an event may have been written (live streams re-read the table). */
  onRecorded(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  readonly record = async (tx: Kysely<Database>, change: StateChange): Promise<void> => {
    const built = await buildEventSubject(tx, change);
    if (!built) return;
    const type = eventTypeOf(change, { jobKind: built.jobKind });
    if (!type) return;
    const timestamp = this.#now();
    const event: RecordedEvent = { uuid: randomUUID(), type, timestamp, project: built.subject.project };
    const eventJson = JSON.stringify(event);
    const subscribers = await tx
      .selectFrom('subscriptions')
      .innerJoin('subscribers', 'subscribers.uuid', 'subscriptions.subscriber_uuid')
      .select(['subscribers.uuid', 'subscribers.kind', 'subscribers.name', 'subscribers.verify_ssl', 'subscribers.content_type'])
      .where('subscriptions.event_type', 'in', [type, '*'])
      .where('subscriptions.project_uuid', 'in', ['', built.projectUuid ?? ''])
      .where('subscriptions.job_uuid', 'in', ['', built.jobUuid ?? ''])
      .distinct()
      .execute();
    // Takes the log's turn (held until commit) and, on PostgreSQL, notifies the other servers on commit.
    await appendEvent(tx, { uuid: event.uuid, type, project_uuid: built.projectUuid, job_uuid: built.jobUuid, run_uuid: built.runUuid, payload_json: eventJson, created_at: timestamp });
    if (subscribers.length > 0) {
      await tx
        .insertInto('deliveries')
        .values(
          subscribers.map((s) => ({
            uuid: randomUUID(), event_uuid: event.uuid, event_type: type, subscriber_uuid: s.uuid, status: 'SCHEDULED', attempts: 0,
            scheduled_at: timestamp, claimed_by: null, lease_until: null, last_error: null, last_status_code: null, created_at: timestamp, delivered_at: null,
            payload_json:
              s.kind === 'analytics'
                ? JSON.stringify(telemetryPayload(type, timestamp, built, this.#salt()))
                : `{"delivered_for":${JSON.stringify(deliveredFor(s))},"event":${eventJson}}`,
          })),
        )
        .execute();
    }
    this.nudge();
  };

  /** Wakes this process's live streams and dispatcher (events were recorded here or, as notified, by another server). */
  nudge(): void {
    if (this.#listeners.size > 0) setImmediate(() => this.#listeners.forEach((l) => l()));
  }
}
