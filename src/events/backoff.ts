/**
 * Delay before retry number `attempt` (1 = after the first failure): exponential from `baseMs`,
 * capped at `capMs`, with "equal jitter" (half fixed, half random) so retries spread out but
 * never come sooner than half the nominal delay.
 */
export function backoffMs(attempt: number, opts: { baseMs: number; capMs: number; random?: () => number }): number {
  const nominal = Math.min(opts.capMs, opts.baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(nominal / 2 + (opts.random ?? Math.random)() * (nominal / 2));
}
