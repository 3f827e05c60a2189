import { spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Readable } from 'node:stream';
import { text } from 'node:stream/consumers';
import type { WorkloadHandle } from '../runtimes/driver.ts';
import { BerthError, type ErrorCode, ERRORS } from '../errors.ts';
import { BUNDLE_DIR, freshBundleEntry, SUPERVISOR_ENTRY } from '../bundle/bundle-manifest.ts';
import { readProcStat } from '../leases/proc-stat.ts';
import { REPORT_FD, type SupervisorOrder, type SupervisorReport } from './supervisor-protocol.ts';

const SUPERVISOR_MAIN = new URL('./supervisor-main.ts', import.meta.url).pathname;
const REPO_ROOT = new URL('../../', import.meta.url).pathname;
/** How old a check that the bundle is fresh may be for a supervisor spawned from it (a long-running server checks again). */
const BUNDLE_CHECK_REUSE_MS = 5_000;

/** A supervisor process booting while the starter gets ready; it waits for its order on stdin. */
export interface PendingSupervisor {
  /**
   * Sends the order and resolves once the supervisor reports the workload running: the
   * Type=forking contract — when this returns, the supervisor runs and the starter may exit.
   * Rejects with the supervisor's coded error otherwise.
   */
  launch(order: SupervisorOrder): Promise<{ pid: number; startTime: number; handle: WorkloadHandle }>;
  /**
   * Sends an order whose workload is already `started` (and recorded with this supervisor as its
   * keeper); resolves once the order is in the pipe (not when the supervisor reads it): the
   * supervisor adopts the workload whenever its boot is done.
   */
  hand(order: SupervisorOrder & { started: WorkloadHandle }): Promise<void>;
  /** No order after all: the supervisor reads an empty order and exits without doing anything. */
  cancel(): void;
  /** The supervisor's pid and start time (clock ticks since boot), for the row's keeper. */
  readonly keeper: { pid: number; startTime: number } | null;
}

/**
 * Spawns an instance's supervisor as a detached session leader (its output appended to errLogPath)
 * before the order is known, so its Node start-up overlaps the starter's own work (store, checks, claim).
 */
export function spawnSupervisor(errLogPath: string): PendingSupervisor {
  mkdirSync(dirname(errLogPath), { recursive: true, mode: 0o700 });
  const log = openSync(errLogPath, 'a', 0o600);
  let child;
  try {
    // The bundled supervisor starts faster; only while it matches the sources (never stale code).
    // A check of this process's own (bin/berth.js's, at its start) is recent enough: the supervisor
    // then runs the build its starter runs.
    const main = freshBundleEntry(REPO_ROOT, BUNDLE_DIR, SUPERVISOR_ENTRY, { reuseMs: BUNDLE_CHECK_REUSE_MS }) ?? SUPERVISOR_MAIN;
    child = spawn(process.execPath, [main], { detached: true, stdio: ['pipe', log, log, 'pipe'] });
  } finally {
    closeSync(log);
  }
  const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
  child.once('error', () => undefined);
  child.stdin?.once('error', () => undefined); // a supervisor that died early: its report (none) says so
  const reportPipe = child.stdio[REPORT_FD] as Readable;
  const stat = child.pid === undefined ? undefined : readProcStat(child.pid);
  let used = false;
  return {
    keeper: child.pid !== undefined && stat ? { pid: child.pid, startTime: stat.startTime } : null,
    hand: async (order) => {
      if (used) throw new Error('a pending supervisor takes one order');
      used = true;
      reportPipe.destroy();
      child.unref();
      const stdin = child.stdin;
      if (!stdin) return;
      await new Promise<void>((resolve) => {
        stdin.once('error', () => resolve()); // a supervisor that died at boot: the next sweep removes the row and the workload
        stdin.end(JSON.stringify(order), () => resolve());
      });
    },
    cancel: () => {
      if (used) return;
      used = true;
      child.stdin?.end();
      reportPipe.destroy();
      child.unref();
    },
    launch: async (order) => {
      if (used) throw new Error('a pending supervisor takes one order');
      used = true;
      child.stdin?.end(JSON.stringify(order));
      const line = await text(reportPipe).catch(() => '');
      reportPipe.destroy();
      child.unref();
      const report = parseReport(line);
      if (report?.ok) return { pid: report.pid, startTime: report.startTime, handle: report.handle };
      if (report) {
        const code = (report.error.code in ERRORS ? report.error.code : 'BERTH_E_INSTANCE_START') as ErrorCode;
        throw new BerthError(code, report.error.message, { problems: report.error.problems });
      }
      const status = await exited;
      throw new BerthError('BERTH_E_INSTANCE_START', `instance ${order.name} failed to start: its supervisor exited (status ${status}) without reporting; last lines of ${errLogPath}:\n${tail(errLogPath)}`, {
        details: { logErrPath: errLogPath },
      });
    },
  };
}

/** Spawns the instance's supervisor and sends it the order at once (see PendingSupervisor.launch). */
export function launchSupervisor(order: SupervisorOrder, errLogPath: string): Promise<{ pid: number; startTime: number; handle: WorkloadHandle }> {
  return spawnSupervisor(errLogPath).launch(order);
}

function parseReport(line: string): SupervisorReport | undefined {
  try {
    return JSON.parse(line) as SupervisorReport;
  } catch {
    return undefined;
  }
}

function tail(path: string): string {
  try {
    return readFileSync(path, 'utf8').trimEnd().split('\n').slice(-5).join('\n');
  } catch {
    return '(no log)';
  }
}
