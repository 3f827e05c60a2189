import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import type { Kysely } from 'kysely';
import type { BerthConfig } from '../config/config.ts';
import { SubscriberRepository } from '../store/subscriber-repository.ts';
import type { Database } from '../store/tables.ts';
import { Dispatcher, type DispatcherOptions } from './dispatcher.ts';
import { EventFeed } from './event-feed.ts';
import { EventRecorder } from './event-recorder.ts';
import { InstallKey } from './install-key.ts';
import { WebhookService } from './webhook-service.ts';

export const TELEMETRY_SUBSCRIBER = 'berth-telemetry';

/** Events, webhooks and their dispatcher for one store: what the engine hosts and the API will expose. */
export class Outbox {
  readonly key: InstallKey;
  readonly recorder: EventRecorder;
  readonly events: EventFeed;
  readonly webhooks: WebhookService;
  readonly #db: Kysely<Database>;
  readonly #config: BerthConfig;
  #dispatcher: Dispatcher | null = null;

  constructor(db: Kysely<Database>, config: BerthConfig, now: () => string) {
    this.#db = db;
    this.#config = config;
    this.key = new InstallKey(join(config.home, 'keys', 'install.key'));
    this.recorder = new EventRecorder({ now, salt: () => this.key.telemetrySalt() });
    this.events = new EventFeed(db, this.recorder);
    this.webhooks = new WebhookService(db, this.key, { dispatcher: () => this.dispatcher(), now });
  }

  /** This process's dispatcher (created on first use, configured from BERTH_WEBHOOK_*; not started). */
  dispatcher(opts: DispatcherOptions = {}): Dispatcher {
    this.#dispatcher ??= new Dispatcher(this.#db, this.key, {
      timeoutMs: this.#config.webhooks.timeoutMs,
      maxAttempts: this.#config.webhooks.maxAttempts,
      concurrency: this.#config.webhooks.concurrency,
      backoffBaseMs: this.#config.webhooks.backoffBaseMs,
      ...opts,
    });
    return this.#dispatcher;
  }

  /**
   * Makes the telemetry subscriber match the setting: present (every event, to the configured URL)
   * when BERTH_TELEMETRY=on, absent otherwise, with its queued deliveries.
   */
  async syncTelemetry(): Promise<void> {
    const subscribers = new SubscriberRepository(this.#db);
    const existing = (await subscribers.list('analytics')).find((s) => s.name === TELEMETRY_SUBSCRIBER);
    const t = this.#config.telemetry;
    if (existing && (!t.enabled || existing.url !== t.url)) await subscribers.remove(existing.uuid);
    if (t.enabled && (!existing || existing.url !== t.url)) {
      await subscribers.add(
        { uuid: randomUUID(), kind: 'analytics', name: TELEMETRY_SUBSCRIBER, url: t.url, secret_sealed: null, content_type: 'application/json', format: 'generic', verify_ssl: 1, created_at: new Date().toISOString() },
        [{ event_type: '*', project_uuid: '', job_uuid: '' }],
      );
    }
  }
}
