import { setTimeout as sleep } from 'node:timers/promises';

/**
 * The one way tests wait: polls `check` (every 50 ms) until it returns a value that is not
 * undefined or false, and returns it; fails after `ms` naming `what`. Waits on an observable
 * condition, never a fixed sleep, so a slow machine only makes a test slower, not flaky.
 */
export async function eventually<T>(what: string, check: () => Promise<T | undefined | false> | T | undefined | false, ms = 30_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}
