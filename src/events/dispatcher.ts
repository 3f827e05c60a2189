import { randomBytes } from 'node:crypto';
import { ownerClaim, ownerState, parseOwnerClaim } from '../leases/owner-lease.ts';
import type { Kysely } from 'kysely';
import { DeliveryRepository, type DeliveryRow } from '../store/delivery-repository.ts';
import { SubscriberRepository, type SubscriberRow } from '../store/subscriber-repository.ts';
import type { Database } from '../store/tables.ts';
import { backoffMs } from './backoff.ts';
import { httpPost, type PostResult } from './http-post.ts';
import type { InstallKey } from './install-key.ts';
import { webhookRequest } from './webhook-request.ts';

export interface DispatcherOptions {
  /** Deliveries in flight at once. */
  concurrency?: number;
  /** In flight at once to one subscriber (default: half of concurrency), so a slow receiver never takes every slot. */
  perSubscriber?: number;
  /** Per-request timeout. */
  timeoutMs?: number;
  /** Attempts before a delivery is dead-lettered (status DEAD, last error kept). */
  maxAttempts?: number;
  backoffBaseMs?: number;
  backoffCapMs?: number;
  /** How often to look for new deliveries (written by other processes) when idle. */
  pollMs?: number;
  now?: () => Date;
  log?: (line: string) => void;
}

/**
 * Sends the outbox: claims due deliveries (atomically, so a delivery is sent by one dispatcher
 * even with several Berth processes on one store), POSTs them with a timeout and records the
 * outcome: DELIVERED, RESCHEDULED with exponential backoff and jitter, or DEAD after maxAttempts.
 * A dispatcher killed mid-flight loses nothing: its claims are leased, and a restarted dispatcher
 * on the same host releases the claims of dead ones at once; the delivery id never changes.
 */
export class Dispatcher {
  readonly owner = `${ownerClaim()}:${randomBytes(4).toString('hex')}`;
  readonly #deliveries: DeliveryRepository;
  readonly #subscribers: SubscriberRepository;
  readonly #key: InstallKey;
  readonly #o: Required<DispatcherOptions>;
  readonly #inFlight = new Map<string, Promise<void>>();
  readonly #perSubscriber = new Map<string, number>();
  #running = false;
  #wake: (() => void) | null = null;
  /** Set by a nudge that came while the loop was not waiting, so it is not lost. */
  #nudged = false;
  #loop: Promise<void> | null = null;
  #lastRelease = 0;
  /** Subscribers with their opened secrets, re-read after a second (edits and removals show up quickly). */
  readonly #subscriberCache = new Map<string, { at: number; row: SubscriberRow | undefined; secret: string | null }>();

  constructor(db: Kysely<Database>, key: InstallKey, opts: DispatcherOptions = {}) {
    this.#deliveries = new DeliveryRepository(db);
    this.#subscribers = new SubscriberRepository(db);
    this.#key = key;
    this.#o = {
      concurrency: opts.concurrency ?? 8,
      perSubscriber: opts.perSubscriber ?? Math.max(1, Math.ceil((opts.concurrency ?? 8) / 2)),
      timeoutMs: opts.timeoutMs ?? 5000,
      maxAttempts: opts.maxAttempts ?? 10,
      backoffBaseMs: opts.backoffBaseMs ?? 2000,
      backoffCapMs: opts.backoffCapMs ?? 3_600_000,
      pollMs: opts.pollMs ?? 1000,
      now: opts.now ?? (() => new Date()),
      log: opts.log ?? (() => {}),
    };
  }

  /** Starts the loop (idempotent). */
  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.#loop = this.#run();
  }

  /** Wakes the loop now (e.g. after this process recorded an event). */
  nudge(): void {
    this.#nudged = true;
    this.#wake?.();
  }

  /** Stops claiming and waits for the deliveries in flight to settle. */
  async stop(): Promise<void> {
    this.#running = false;
    this.nudge();
    await this.#loop;
    await Promise.all(this.#inFlight.values());
  }

  /**
   * Claims what is due now (or, with `dueBy`, what was due by then — so a caller looping until
   * nothing is left does not retry in the same pass what just failed), sends it and waits for the
   * outcomes. Returns how many were attempted.
   */
  async drainOnce(dueBy?: Date): Promise<number> {
    await this.#releaseDeadClaims(true);
    const claimed = await this.#claim(dueBy);
    await Promise.all(this.#inFlight.values());
    return claimed;
  }

  async #run(): Promise<void> {
    while (this.#running) {
      let claimed = 0;
      this.#nudged = false;
      try {
        await this.#releaseDeadClaims(false);
        claimed = await this.#claim();
      } catch (e) {
        this.#o.log(`dispatcher: ${e instanceof Error ? e.message : String(e)}`);
      }
      if (claimed > 0 && this.#inFlight.size < this.#o.concurrency) continue;
      await this.#sleep();
    }
  }

  async #sleep(): Promise<void> {
    const next = this.#inFlight.size < this.#o.concurrency ? await this.#deliveries.nextDueAt().catch(() => null) : null;
    // Already due but not claimed: held back for busy subscribers, so wait for a completion (nudge).
    const untilDue = next === null ? this.#o.pollMs : Date.parse(next) - this.#o.now().getTime();
    if (untilDue <= 0 && this.#inFlight.size > 0) return this.#waitForNudge(this.#o.pollMs);
    return this.#waitForNudge(Math.max(0, untilDue));
  }

  async #waitForNudge(ms: number): Promise<void> {
    if (this.#nudged) {
      this.#nudged = false;
      return;
    }
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, Math.min(this.#o.pollMs, ms));
      this.#wake = () => (clearTimeout(timer), resolve());
    });
    this.#wake = null;
    this.#nudged = false;
  }

  async #claim(dueBy?: Date): Promise<number> {
    const free = this.#o.concurrency - this.#inFlight.size;
    const now = this.#o.now();
    const cutoff = dueBy && dueBy < now ? dueBy : now;
    const lease = new Date(now.getTime() + this.#o.timeoutMs * 2 + 10_000).toISOString();
    const saturated = [...this.#perSubscriber].filter(([, n]) => n >= this.#o.perSubscriber).map(([s]) => s);
    // Pick within each subscriber's budget first, then claim exactly those (no claim-and-hand-back churn).
    const budget = new Map(this.#perSubscriber);
    const picked: string[] = [];
    for (const d of await this.#deliveries.due(cutoff.toISOString(), free * 4, saturated)) {
      if (picked.length >= free) break;
      const busy = budget.get(d.subscriber_uuid) ?? 0;
      if (busy >= this.#o.perSubscriber) continue;
      budget.set(d.subscriber_uuid, busy + 1);
      picked.push(d.uuid);
    }
    const rows = await this.#deliveries.claim(this.owner, picked, now.toISOString(), lease);
    for (const row of rows) {
      this.#perSubscriber.set(row.subscriber_uuid, (this.#perSubscriber.get(row.subscriber_uuid) ?? 0) + 1);
      const p = this.#deliver(row).finally(() => {
        this.#inFlight.delete(row.uuid);
        const left = (this.#perSubscriber.get(row.subscriber_uuid) ?? 1) - 1;
        if (left > 0) this.#perSubscriber.set(row.subscriber_uuid, left);
        else this.#perSubscriber.delete(row.subscriber_uuid);
        this.nudge();
      });
      this.#inFlight.set(row.uuid, p);
    }
    return rows.length;
  }

  async #deliver(row: DeliveryRow): Promise<void> {
    let cached = this.#subscriberCache.get(row.subscriber_uuid);
    if (!cached || Date.now() - cached.at > 1000) {
      const sub = await this.#subscribers.get(row.subscriber_uuid);
      cached = { at: Date.now(), row: sub, secret: sub?.secret_sealed ? this.#key.open(sub.secret_sealed) : null };
      this.#subscriberCache.set(row.subscriber_uuid, cached);
    }
    const subscriber = cached.row;
    if (!subscriber) return;
    let result: PostResult;
    try {
      result = await this.#post(subscriber, cached.secret, row.uuid, row.event_type, row.payload_json);
    } catch (e) {
      result = { ok: false, status: null, error: e instanceof Error ? e.message : String(e) };
    }
    const now = this.#o.now();
    if (result.ok) {
      await this.#deliveries.delivered(row.uuid, this.owner, result.status, now.toISOString());
      return;
    }
    const dead = row.attempts >= this.#o.maxAttempts;
    const retryAt = dead ? null : new Date(now.getTime() + backoffMs(row.attempts, { baseMs: this.#o.backoffBaseMs, capMs: this.#o.backoffCapMs })).toISOString();
    await this.#deliveries.failed(row.uuid, this.owner, { status: result.status, error: result.error ?? 'failed', retryAt });
    this.#o.log(
      dead
        ? `delivery ${row.uuid} (${row.event_type}) to "${subscriber.name}" dead-lettered after ${row.attempts} attempts: ${result.error}`
        : `delivery ${row.uuid} (${row.event_type}) to "${subscriber.name}" failed (attempt ${row.attempts}/${this.#o.maxAttempts}): ${result.error}; retry at ${retryAt}`,
    );
  }

  /** One HTTP attempt of a payload to a subscriber (also used by the ping). */
  send(subscriber: SubscriberRow, deliveryUuid: string, eventType: string, payloadJson: string): Promise<PostResult> {
    return this.#post(subscriber, subscriber.secret_sealed ? this.#key.open(subscriber.secret_sealed) : null, deliveryUuid, eventType, payloadJson);
  }

  #post(subscriber: SubscriberRow, secret: string | null, deliveryUuid: string, eventType: string, payloadJson: string): Promise<PostResult> {
    const req = webhookRequest({ deliveryUuid, eventType, payloadJson, contentType: subscriber.content_type, format: subscriber.format, secret });
    return httpPost(subscriber.url, req.body, req.headers, { timeoutMs: this.#o.timeoutMs, verifyTls: subscriber.verify_ssl === 1 });
  }

  /** Claims held by dispatchers on this host whose process is gone are due again at once. */
  async #releaseDeadClaims(force: boolean): Promise<void> {
    const now = this.#o.now().getTime();
    if (!force && now - this.#lastRelease < 10_000) return;
    this.#lastRelease = now;
    const dead = (await this.#deliveries.claimOwners()).filter((o) => o !== this.owner && ownerState(parseOwnerClaim(o)) === 'gone');
    const n = await this.#deliveries.releaseClaims(dead);
    if (n > 0) this.#o.log(`dispatcher: ${n} delivery(ies) claimed by a dispatcher that died will be sent again (same delivery ids)`);
  }
}
