import { setTimeout as sleep } from 'node:timers/promises';
import type { Status } from '../../core/statuses.ts';
import type { RunObserver } from '../../runs/run-events.ts';
import type { RunReport } from '../../runs/run-report.ts';

const POLL_MS = 200;
const ACTIVE = new Set(['PENDING', 'STARTED']);

/**
 * Follows a run on a server until it ends, turning status changes into the same progress events
 * the in-process engine emits. An aborted `signal` (Ctrl-C) cancels the run on the server.
 */
export async function pollRun(
  initial: RunReport,
  io: { get: (uuid: string) => Promise<RunReport>; cancel: (uuid: string) => Promise<void>; observe: RunObserver; signal?: AbortSignal },
): Promise<RunReport> {
  const uuid = initial.run.uuid;
  const seen = new Map<string, string>();
  let announcedStart = false;
  let announcedQueue = false;
  let cancelled = false;
  let report = initial;
  for (;;) {
    if (io.signal?.aborted && !cancelled) {
      cancelled = true;
      await io.cancel(uuid);
    }
    if (report.run.status === 'PENDING' && !announcedQueue && report !== initial) {
      io.observe({ type: 'run-queued', runUuid: uuid, waitingFor: 'an earlier run' });
      announcedQueue = true;
    }
    if (report.run.status !== 'PENDING' && !announcedStart && report.run.started_at) {
      io.observe({ type: 'run-started', runUuid: uuid, steps: report.steps.length });
      announcedStart = true;
    }
    for (const s of report.steps) {
      const before = seen.get(s.uuid) ?? 'PENDING';
      if (before === s.status) continue;
      if (before === 'PENDING' && s.status !== 'ABORTED') io.observe({ type: 'step-started', runUuid: uuid, stepUuid: s.uuid, title: s.title });
      if (!ACTIVE.has(s.status)) io.observe({ type: 'step-finished', runUuid: uuid, stepUuid: s.uuid, title: s.title, status: s.status as Status, exitCode: s.exit_code, reason: s.reason });
      seen.set(s.uuid, s.status);
    }
    if (!ACTIVE.has(report.run.status)) {
      io.observe({ type: 'run-finished', runUuid: uuid, status: report.run.status as Status });
      return report;
    }
    await sleep(POLL_MS);
    report = await io.get(uuid);
  }
}
