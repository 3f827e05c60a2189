import { setTimeout as delay } from 'node:timers/promises';
import type { RuntimeDriver, WorkloadHandle } from '../runtimes/driver.ts';
import { isProcessAlive } from '../leases/is-process-alive.ts';
import type { InstanceRepository, InstanceRow } from '../store/instance-repository.ts';

export interface StopOptions {
  /** Normalised signal name, e.g. "SIGINT" (Apptainer's default). */
  signal: NodeJS.Signals;
  /** Grace period before SIGKILL. */
  graceMs: number;
}

export type StopEvent =
  | { type: 'stopping'; name: string; image: string; pid: number }
  | { type: 'killing'; name: string; image: string; pid: number };

/** Beyond the grace period, how long the supervisor may take to wind down after its workload ended. */
const WIND_DOWN_MS = 15_000;
const POLL_MS = 10;
/**
 * A supervisor usually winds down within tens of ms: for the first QUICK_MS its end is looked for
 * every 2 ms (one /proc read each), then every POLL_MS (a long grace period).
 */
const QUICK_POLL_MS = 2;
const QUICK_MS = 300;
const ROW_POLL_MS = 100;

/**
 * Stops one instance: records the stop (signal, grace) in its row and tells its supervisor (SIGTERM),
 * which signals the workload, SIGKILLs it after the grace period, removes the row and exits; this
 * waits until the row is gone (polling, like Apptainer). A supervisor that is gone, that ended without removing the row (killed while it booted), or that
 * does not wind down is killed and the workload is stopped here through its persisted handle. The
 * row is removed in every case.
 */
export async function stopInstance(
  listed: InstanceRow,
  opts: StopOptions,
  // The driver is opened only when the supervisor cannot do the stop (opening docker's costs an import).
  ctx: { repo: InstanceRepository; driver: () => Promise<RuntimeDriver>; host: string; onEvent: (e: StopEvent) => void },
): Promise<void> {
  const row = await settledRow(listed, ctx);
  const who = { name: row.name, image: row.image, pid: row.keeper_pid };
  ctx.onEvent({ type: 'stopping', ...who });
  await ctx.repo.requestStop(row.id, opts.signal, opts.graceMs);
  const keeperAlive = (): boolean => row.host === ctx.host && isProcessAlive(row.keeper_pid, row.keeper_start);
  const told = row.status !== 'starting' && keeperAlive() && signal(row.keeper_pid, 'SIGTERM');
  let stopped = false;
  if (told) {
    const since = Date.now();
    const deadline = since + opts.graceMs + WIND_DOWN_MS;
    // The supervisor removes the row as the last step of its stop (after the workload ended and was
    // removed): the instance is stopped then, while the supervisor still closes its store and exits.
    // The row is looked at on every poll of the first QUICK_MS, then every ROW_POLL_MS (a long grace
    // period, or many instances stopping at once, must not become a flood of queries).
    const rowGone = async (): Promise<boolean> => (await ctx.repo.get(row.id)) === undefined;
    let rowCheckedAt = -Infinity;
    for (;;) {
      const now = Date.now();
      const quick = now - since < QUICK_MS;
      if (quick || now - rowCheckedAt >= ROW_POLL_MS) {
        rowCheckedAt = now;
        if ((stopped = await rowGone())) break;
      }
      if (!keeperAlive() || now >= deadline) break;
      await delay(quick ? QUICK_POLL_MS : POLL_MS);
    }
    // A supervisor that ended with the row still there did not get to the end of its stop.
    stopped ||= await rowGone();
    if (!stopped && keeperAlive()) {
      ctx.onEvent({ type: 'killing', ...who });
      signal(row.keeper_pid, 'SIGKILL');
    }
  }
  if (!stopped) {
    // No supervisor (any more) to do it: stop the workload it last recorded.
    const latest = (await ctx.repo.get(row.id)) ?? row;
    if (latest.handle_json !== null) await stopThroughHandle(latest.handle_json, opts, ctx);
  }
  await ctx.repo.delete(row.id);
}

async function stopThroughHandle(handleJson: string, opts: StopOptions, ctx: { driver: () => Promise<RuntimeDriver> }): Promise<void> {
  const handle = JSON.parse(handleJson) as WorkloadHandle;
  const driver = await ctx.driver();
  await driver.stop(handle, { signal: opts.signal, graceMs: opts.graceMs });
  await driver.remove(handle);
}

/** An instance still starting is answered for by its starter until the supervisor takes over: wait for that. */
async function settledRow(row: InstanceRow, ctx: { repo: InstanceRepository; host: string }): Promise<InstanceRow> {
  let latest = row;
  const deadline = Date.now() + WIND_DOWN_MS;
  while (latest.status === 'starting' && latest.host === ctx.host && isProcessAlive(latest.keeper_pid, latest.keeper_start) && Date.now() < deadline) {
    await delay(POLL_MS);
    latest = (await ctx.repo.get(row.id)) ?? latest;
  }
  return latest;
}

function signal(pid: number, sig: NodeJS.Signals): boolean {
  try {
    process.kill(pid, sig);
    return true;
  } catch {
    return false;
  }
}
