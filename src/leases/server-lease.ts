import type { Kysely } from 'kysely';
import { LeaseRepository } from '../store/lease-repository.ts';
import type { Database } from '../store/tables.ts';
import { thisProcess } from './owner-lease.ts';

/**
 * This server's lease on a shared store: renewed every third of the lease time (a heartbeat), so a
 * server that stops heartbeating — killed, frozen, cut off from the database — is known to be gone
 * by every other server within `leaseMs`. After each heartbeat `onBeat` runs (the reaper that ends
 * the work of servers whose lease expired). `stop` ends the lease at once.
 */
export class ServerLease {
  readonly id: string;
  readonly host = thisProcess().host;
  readonly pid = process.pid;
  readonly #leases: LeaseRepository;
  readonly #leaseMs: number;
  readonly #onBeat: () => Promise<void>;
  readonly #log: (line: string) => void;
  #timer: NodeJS.Timeout | null = null;
  #renewing: Promise<void> | null = null;
  #reaping: Promise<void> | null = null;
  #url: string | null = null;

  constructor(db: Kysely<Database>, opts: { leaseMs: number; onBeat?: () => Promise<void>; log?: (line: string) => void }) {
    this.#leases = new LeaseRepository(db);
    this.#leaseMs = opts.leaseMs;
    this.#onBeat = opts.onBeat ?? (async () => {});
    this.#log = opts.log ?? (() => {});
    this.id = `${this.host}:${this.pid}:${Date.now().toString(36)}`;
  }

  get leaseMs(): number {
    return this.#leaseMs;
  }

  /** Takes the lease (before the server does any work), then keeps it. */
  async start(): Promise<void> {
    await this.#renew();
    // Renewing never waits for the reaper: a slow reap (a busy machine, many orphans) must not cost
    // this server its own lease, or another server would end the runs it is executing.
    this.#timer = setInterval(() => {
      this.#renewing ??= this.#beat().finally(() => (this.#renewing = null));
    }, Math.max(200, Math.floor(this.#leaseMs / 3)));
    this.#timer.unref();
  }

  /** Records where other servers reach this one (once it listens): they forward requests for what runs on this host here. */
  async advertise(url: string): Promise<void> {
    this.#url = url;
    await this.#renew();
  }

  async #renew(): Promise<void> {
    const now = Date.now();
    await this.#leases.renew({ id: this.id, host: this.host, pid: this.pid, now: new Date(now).toISOString(), leaseUntil: new Date(now + this.#leaseMs).toISOString(), url: this.#url });
  }

  async #beat(): Promise<void> {
    try {
      await this.#renew();
    } catch (e) {
      this.#log(`lease: heartbeat failed: ${e instanceof Error ? e.message : String(e)}`);
      return;
    }
    this.#reaping ??= this.#onBeat()
      .catch((e: unknown) => this.#log(`lease: ${e instanceof Error ? e.message : String(e)}`))
      .finally(() => (this.#reaping = null));
  }

  /** Stops heartbeating and ends the lease now (a clean stop: survivors act without waiting). */
  async stop(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
    await this.#renewing;
    await this.#reaping;
    await this.#leases.end(this.id, new Date().toISOString()).catch(() => undefined);
  }
}
