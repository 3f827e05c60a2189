import { randomBytes, randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import { BerthError, type Problem } from '../errors.ts';
import { DELIVERY_STATUSES, DeliveryRepository, type DeliveryRow } from '../store/delivery-repository.ts';
import { SubscriberRepository, type SubscriberRow } from '../store/subscriber-repository.ts';
import type { Database } from '../store/tables.ts';
import type { Dispatcher } from './dispatcher.ts';
import { EVENT_TYPES, PING_EVENT_TYPE } from './event-types.ts';
import type { InstallKey } from './install-key.ts';
import { CONTENT_TYPES, formatForUrl, WEBHOOK_FORMATS } from './webhook-request.ts';

/** The input of `POST /api/webhooks` and `berth webhook add`. */
import type { WebhookInput } from './webhook-schema.ts';

export type { WebhookInput } from './webhook-schema.ts';

/** A webhook as listed: never the secret, only whether one is set. */
export interface WebhookView {
  uuid: string;
  name: string;
  url: string;
  content_type: string;
  format: string;
  verify_ssl: boolean;
  has_secret: boolean;
  subscriptions: Array<{ event_type: string; project_uuid: string | null; job_uuid: string | null }>;
  created_at: string;
}

export interface DeliveryView {
  uuid: string;
  webhook: string;
  event_type: string;
  event_uuid: string;
  status: string;
  attempts: number;
  scheduled_at: string;
  delivered_at: string | null;
  last_status_code: number | null;
  last_error: string | null;
  created_at: string;
}

/** Webhook subscribers, their deliveries, pings and redeliveries. Transport-free: the API and the CLI call it. */
export class WebhookService {
  readonly #subscribers: SubscriberRepository;
  readonly #deliveries: DeliveryRepository;
  readonly #key: InstallKey;
  readonly #dispatcher: () => Dispatcher;
  readonly #now: () => string;

  constructor(db: Kysely<Database>, key: InstallKey, opts: { dispatcher: () => Dispatcher; now: () => string }) {
    this.#subscribers = new SubscriberRepository(db);
    this.#deliveries = new DeliveryRepository(db);
    this.#key = key;
    this.#dispatcher = opts.dispatcher;
    this.#now = opts.now;
  }

  /** Adds a webhook. `generated_secret` is set only when Berth made the secret: the one time it is shown. */
  async add(input: WebhookInput): Promise<{ webhook: WebhookView; generated_secret: string | null }> {
    const problems = validateWebhook(input);
    if (problems.length > 0) throw new BerthError('BERTH_E_INVALID_ARGUMENT', `webhook: ${problems.length} problem(s)`, { problems });
    const generated = input.secret ? null : randomBytes(32).toString('hex');
    const row: SubscriberRow = {
      uuid: randomUUID(),
      kind: 'webhook',
      name: input.name,
      url: input.url,
      secret_sealed: this.#key.seal(input.secret ?? generated!),
      content_type: input.content_type ?? 'application/json',
      format: input.format && input.format !== 'auto' ? input.format : formatForUrl(input.url),
      verify_ssl: input.verify_ssl === false ? 0 : 1,
      created_at: this.#now(),
    };
    const subs = input.subscriptions.map((s) => ({ event_type: s.event_type, project_uuid: s.project_uuid ?? '', job_uuid: s.job_uuid ?? '' }));
    if (!(await this.#subscribers.add(row, subs))) {
      throw new BerthError('BERTH_E_WEBHOOK_EXISTS', `a webhook named "${input.name}" exists`, {
        problems: [{ path: 'name', message: 'name taken', fix: 'choose another name, or remove the existing webhook first' }],
      });
    }
    return { webhook: await this.#view(row), generated_secret: generated };
  }

  /** Changes a webhook (PUT): the fields given replace the stored ones; `subscriptions` replaces them all. */
  async update(ref: string, patch: Partial<WebhookInput>): Promise<WebhookView> {
    const row = await this.#find(ref);
    const merged: WebhookInput = {
      name: patch.name ?? row.name,
      url: patch.url ?? row.url,
      secret: patch.secret,
      content_type: patch.content_type ?? row.content_type,
      format: patch.format,
      subscriptions: patch.subscriptions ?? (await this.#subscribers.subscriptions(row.uuid)).map((s) => ({ event_type: s.event_type })),
    };
    const problems = validateWebhook(merged);
    if (problems.length > 0) throw new BerthError('BERTH_E_INVALID_ARGUMENT', `webhook: ${problems.length} problem(s)`, { problems });
    const set: Partial<SubscriberRow> = { name: merged.name, url: merged.url, content_type: merged.content_type! };
    if (patch.secret !== undefined) set.secret_sealed = this.#key.seal(patch.secret);
    if (patch.format !== undefined) set.format = patch.format === 'auto' ? formatForUrl(merged.url) : patch.format;
    if (patch.verify_ssl !== undefined) set.verify_ssl = patch.verify_ssl ? 1 : 0;
    const subs = patch.subscriptions?.map((s) => ({ event_type: s.event_type, project_uuid: s.project_uuid ?? '', job_uuid: s.job_uuid ?? '' }));
    if (!(await this.#subscribers.update(row.uuid, set, subs))) {
      throw new BerthError('BERTH_E_WEBHOOK_EXISTS', `a webhook named "${merged.name}" exists`, {
        problems: [{ path: 'name', message: 'name taken', fix: 'choose another name' }],
      });
    }
    return this.#view((await this.#subscribers.get(row.uuid))!);
  }

  async list(): Promise<WebhookView[]> {
    return Promise.all((await this.#subscribers.list('webhook')).map((s) => this.#view(s)));
  }

  async get(ref: string): Promise<WebhookView> {
    return this.#view(await this.#find(ref));
  }

  async remove(ref: string): Promise<WebhookView> {
    const row = await this.#find(ref);
    const view = await this.#view(row);
    await this.#subscribers.remove(row.uuid);
    return view;
  }

  /** Sends a `ping` event to the webhook now (not stored, not retried) and reports the receiver's answer. */
  async ping(ref: string): Promise<{ delivery: string; ok: boolean; status: number | null; error: string | null }> {
    const row = await this.#find(ref);
    const delivery = randomUUID();
    const event = { uuid: randomUUID(), type: PING_EVENT_TYPE, timestamp: this.#now() };
    const payload = JSON.stringify({ delivered_for: deliveredFor(row), event });
    const res = await this.#dispatcher().send(row, delivery, PING_EVENT_TYPE, payload);
    return { delivery, ...res };
  }

  async deliveries(opts: { webhook?: string; status?: string; limit?: number } = {}): Promise<DeliveryView[]> {
    const status = opts.status?.toUpperCase();
    if (status !== undefined && !(DELIVERY_STATUSES as readonly string[]).includes(status)) {
      throw new BerthError('BERTH_E_INVALID_ARGUMENT', `"${opts.status}" is not a delivery status`, {
        problems: [{ path: 'status', message: 'unknown status', fix: `use one of ${DELIVERY_STATUSES.join(', ')}` }],
      });
    }
    const sub = opts.webhook ? await this.#find(opts.webhook) : undefined;
    const names = new Map((await this.#subscribers.list()).map((s) => [s.uuid, s.name]));
    const rows = await this.#deliveries.list({ subscriberUuid: sub?.uuid, status, limit: opts.limit ?? 50 });
    return rows.map((r) => deliveryView(r, names.get(r.subscriber_uuid) ?? r.subscriber_uuid));
  }

  /** Schedules a delivery again (e.g. a dead-lettered one), keeping its delivery id. */
  async redeliver(ref: string): Promise<DeliveryView> {
    const found = /^[0-9a-f-]{4,36}$/i.test(ref) ? await this.#deliveries.findByPrefix(ref.toLowerCase()) : [];
    if (found.length !== 1) {
      throw new BerthError('BERTH_E_DELIVERY_NOT_FOUND', found.length ? `"${ref}" matches several deliveries` : `no delivery ${ref}`, {
        problems: [{ path: 'DELIVERY', message: found.length ? 'ambiguous id' : 'unknown delivery id', fix: 'see `berth webhook deliveries` for ids' }],
      });
    }
    if (!(await this.#deliveries.redeliver(found[0]!.uuid, this.#now()))) {
      throw new BerthError('BERTH_E_INVALID_ARGUMENT', `delivery ${ref} is being sent right now`, {
        problems: [{ path: 'DELIVERY', message: 'in flight', fix: 'wait for the attempt to end, then retry' }],
      });
    }
    this.#dispatcher().nudge();
    const [row] = await this.#deliveries.findByPrefix(found[0]!.uuid);
    return deliveryView(row!, (await this.#subscribers.get(row!.subscriber_uuid))?.name ?? row!.subscriber_uuid);
  }

  async #find(ref: string): Promise<SubscriberRow> {
    const found = (await this.#subscribers.find(ref)).filter((s) => s.kind === 'webhook');
    if (found.length === 1) return found[0]!;
    throw new BerthError('BERTH_E_WEBHOOK_NOT_FOUND', found.length ? `"${ref}" matches several webhooks` : `no webhook "${ref}"`, {
      problems: [{ path: 'WEBHOOK', message: found.length ? 'ambiguous' : 'no webhook has this name or id', fix: 'see `berth webhook list`' }],
    });
  }

  async #view(s: SubscriberRow): Promise<WebhookView> {
    const subs = await this.#subscribers.subscriptions(s.uuid);
    return {
      uuid: s.uuid, name: s.name, url: s.url, content_type: s.content_type, format: s.format, verify_ssl: s.verify_ssl === 1,
      has_secret: s.secret_sealed !== null,
      subscriptions: subs.map((x) => ({ event_type: x.event_type, project_uuid: x.project_uuid || null, job_uuid: x.job_uuid || null })),
      created_at: s.created_at,
    };
  }
}

/** The `delivered_for` part of a payload: who it is for (never the URL, the secret or the subscriptions). */
export function deliveredFor(s: Pick<SubscriberRow, 'uuid' | 'kind' | 'name' | 'verify_ssl' | 'content_type'>) {
  return { uuid: s.uuid, type: s.kind, name: s.name, verify_ssl: s.verify_ssl === 1, content_type: s.content_type };
}

function deliveryView(r: DeliveryRow, webhook: string): DeliveryView {
  return {
    uuid: r.uuid, webhook, event_type: r.event_type, event_uuid: r.event_uuid, status: r.status, attempts: r.attempts, scheduled_at: r.scheduled_at,
    delivered_at: r.delivered_at, last_status_code: r.last_status_code, last_error: r.last_error, created_at: r.created_at,
  };
}

function validateWebhook(input: WebhookInput): Problem[] {
  const problems: Problem[] = [];
  if (typeof input.name !== 'string' || !/^[\w.-][\w .-]{0,99}$/.test(input.name)) {
    problems.push({ path: 'name', message: 'must be 1-100 letters, digits, spaces, ".", "_" or "-"', fix: 'e.g. "slack-alerts"' });
  }
  let url: URL | null = null;
  try {
    url = new URL(input.url);
  } catch {
    /* reported below */
  }
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
    problems.push({ path: 'url', message: `"${input.url}" is not an http(s) URL`, fix: 'e.g. https://hooks.slack.com/services/…' });
  }
  if (input.secret !== undefined && (typeof input.secret !== 'string' || input.secret.length < 16)) {
    problems.push({ path: 'secret', message: 'must be at least 16 characters', fix: 'omit it to let Berth generate one' });
  }
  if (input.content_type !== undefined && !(CONTENT_TYPES as readonly string[]).includes(input.content_type)) {
    problems.push({ path: 'content_type', message: `"${input.content_type}" is not supported`, fix: `use one of ${CONTENT_TYPES.join(', ')}` });
  }
  if (input.format !== undefined && input.format !== 'auto' && !(WEBHOOK_FORMATS as readonly string[]).includes(input.format)) {
    problems.push({ path: 'format', message: `"${input.format}" is not a format`, fix: `use auto or one of ${WEBHOOK_FORMATS.join(', ')}` });
  }
  if (!Array.isArray(input.subscriptions) || input.subscriptions.length === 0) {
    problems.push({ path: 'subscriptions', message: 'at least one subscription is needed', fix: 'e.g. [{"event_type": "*"}] for every event' });
  } else {
    input.subscriptions.forEach((s, i) => {
      if (s.event_type !== '*' && !EVENT_TYPES.includes(s.event_type)) {
        problems.push({ path: `subscriptions[${i}].event_type`, message: `"${s.event_type}" is not an event type`, fix: 'use "*" or a type from `berth events types`' });
      }
    });
  }
  return problems;
}
