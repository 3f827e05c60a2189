import { spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Readable } from 'node:stream';
import { text } from 'node:stream/consumers';
import type { WorkloadHandle } from '../runtimes/driver.ts';
import { BerthError, type ErrorCode, ERRORS } from '../errors.ts';
import { BUNDLE_DIR, freshBundleEntry, SUPERVISOR_ENTRY } from '../bundle/bundle-manifest.ts';
import { REPORT_FD, type SupervisorOrder, type SupervisorReport } from './supervisor-protocol.ts';

const SUPERVISOR_MAIN = new URL('./supervisor-main.ts', import.meta.url).pathname;
const REPO_ROOT = new URL('../../', import.meta.url).pathname;

/**
 * Spawns the instance's supervisor as a detached session leader (its output appended to errLogPath)
 * and resolves once it reports the workload running: the Type=forking contract — when this returns,
 * the supervisor runs and the starter may exit. Rejects with the supervisor's coded error otherwise.
 */
export async function launchSupervisor(order: SupervisorOrder, errLogPath: string): Promise<{ pid: number; startTime: number; handle: WorkloadHandle }> {
  mkdirSync(dirname(errLogPath), { recursive: true, mode: 0o700 });
  const log = openSync(errLogPath, 'a', 0o600);
  let child;
  try {
    // The bundled supervisor starts faster; only while it matches the sources (never stale code).
    const main = freshBundleEntry(REPO_ROOT, BUNDLE_DIR, SUPERVISOR_ENTRY) ?? SUPERVISOR_MAIN;
    child = spawn(process.execPath, [main], { detached: true, stdio: ['pipe', log, log, 'pipe'] });
  } finally {
    closeSync(log);
  }
  const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
  child.once('error', () => undefined);
  child.stdin?.end(JSON.stringify(order));
  const reportPipe = child.stdio[REPORT_FD] as Readable;
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
