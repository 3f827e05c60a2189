import { Cron } from 'croner';

export type ScheduleCheck = { ok: true } | { ok: false; message: string; fix: string };

/** Checks a cron expression (5 or 6 fields, croner syntax) and an IANA timezone. */
export function checkCron(expression: string, timezone: string): ScheduleCheck {
  if (!isTimezone(timezone)) return { ok: false, message: `"${timezone}" is not an IANA timezone`, fix: 'e.g. UTC, Europe/Paris, America/New_York' };
  try {
    const next = new Cron(expression, { timezone, paused: true }).nextRun(new Date());
    if (!next) return { ok: false, message: `"${expression}" never fires`, fix: 'give a schedule with a future time' };
    return { ok: true };
  } catch (e) {
    return { ok: false, message: `"${expression}" is not a cron expression: ${e instanceof Error ? e.message : String(e)}`, fix: 'e.g. "0 * * * *" (hourly) or "*/5 * * * *"' };
  }
}

/** The first tick of `expression` strictly after `after`, in `timezone`; null when there is none. */
export function nextTick(expression: string, timezone: string, after: Date): Date | null {
  return new Cron(expression, { timezone, paused: true }).nextRun(after);
}

/**
 * What a scheduler that wakes at `now` does with a cron job due at `due`: one run (never one per
 * missed tick), `missed` the ticks after `due` up to `now` that fold into it (counted up to `cap`),
 * and the next tick after now.
 */
export function catchUp(expression: string, timezone: string, due: Date, now: Date, cap = 1000): { missed: number; next: Date | null } {
  const cron = new Cron(expression, { timezone, paused: true });
  let missed = 0;
  for (let t = cron.nextRun(due); t && t.getTime() <= now.getTime() && missed < cap; t = cron.nextRun(t)) missed++;
  return { missed, next: cron.nextRun(now) };
}

function isTimezone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}
