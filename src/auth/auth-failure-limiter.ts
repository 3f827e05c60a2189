/**
 * Counts failed token checks per client address (the socket's peer: X-Forwarded-For is not trusted)
 * in a fixed window; past `max` failures, further failures from the address answer 429 until the
 * window ends. Valid tokens are never refused (see principalFor): a guesser cannot lock others out.
 */
export class AuthFailureLimiter {
  readonly #max: number;
  readonly #windowMs: number;
  readonly #now: () => number;
  readonly #windows = new Map<string, { count: number; resetAt: number }>();

  constructor(opts: { max?: number; windowMs?: number; now?: () => number } = {}) {
    this.#max = opts.max ?? 30;
    this.#windowMs = opts.windowMs ?? 60_000;
    this.#now = opts.now ?? Date.now;
  }

  /** Seconds until the address may try again, or 0 when it is not blocked. */
  retryAfter(address: string): number {
    const w = this.#windows.get(address);
    if (!w) return 0;
    const now = this.#now();
    if (w.resetAt <= now) {
      this.#windows.delete(address);
      return 0;
    }
    return w.count >= this.#max ? Math.ceil((w.resetAt - now) / 1000) : 0;
  }

  fail(address: string): void {
    const now = this.#now();
    let w = this.#windows.get(address);
    if (!w || w.resetAt <= now) {
      if (this.#windows.size > 100_000) this.#windows.clear();
      w = { count: 0, resetAt: now + this.#windowMs };
      this.#windows.set(address, w);
    }
    w.count++;
  }
}
