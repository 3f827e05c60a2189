import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { closeSync, mkdirSync, openSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { BerthError } from '../../errors.ts';
import type { WorkloadSpec } from '../driver.ts';

/**
 * The wrapper records the exit code in the exit file ($1) so that it can be read even when no Berth
 * process is the workload's parent any more. The workload's argv travels as positional parameters,
 * never through the script text. The subshell keeps sh builtins given as the program (exit, exec, …)
 * from acting on the wrapper and costs no extra fork (sh execs the program in it). The no-op traps
 * let the wrapper outlive a group-wide stop signal that the workload itself handles, so the
 * workload's own exit code is still recorded; caught traps reset to the default in the subshell.
 * A missing program makes sh print "<program>: not found" to the log and exit 127.
 * The wrapper runs nothing until it reads a line on stdin, which the driver sends once the workload
 * is recorded (`release` below): a Berth killed between the spawn and the record closes the pipe
 * instead, and the wrapper exits 125 without running the workload, so nothing runs unrecorded.
 */
const WRAPPER = 'read -r go || exit 125; exec </dev/null; f=$1; shift; trap : HUP INT QUIT TERM USR1 USR2; ("$@"); c=$?; echo $c > "$f"; exit $c';

export type SpawnedChild = ChildProcess & { readonly pid: number };

/** Lets a spawned wrapper run its workload (see WRAPPER); call once the workload is recorded. */
export function releaseWorkload(child: SpawnedChild): void {
  child.stdin?.on('error', () => undefined); // a wrapper already gone (killed): nothing to release
  child.stdin?.end('go\n');
}

/**
 * Starts spec.command under the wrapper as the leader of a new process group (and session), with
 * stdout and stderr appended to spec.logPath (stderr to spec.errLogPath when set) and exactly spec.env as its environment.
 */
export async function spawnWorkload(spec: WorkloadSpec, exitFile: string): Promise<SpawnedChild> {
  mkdirSync(dirname(spec.logPath), { recursive: true });
  const log = openSync(spec.logPath, 'a', 0o600);
  let errLog = log;
  let child: ChildProcess;
  try {
    if (spec.errLogPath !== undefined) {
      mkdirSync(dirname(spec.errLogPath), { recursive: true });
      errLog = openSync(spec.errLogPath, 'a', 0o600);
    }
    child = spawn('/bin/sh', ['-c', WRAPPER, 'berth', exitFile, ...spec.command], {
      cwd: spec.cwd,
      env: spec.env,
      detached: true,
      stdio: ['pipe', log, errLog],
    });
  } finally {
    closeSync(log);
    if (errLog !== log) closeSync(errLog);
  }
  if (child.pid !== undefined) return child as SpawnedChild;
  const [error] = (await once(child, 'error')) as [NodeJS.ErrnoException];
  throw new BerthError('BERTH_E_DRIVER', `could not start workload ${spec.id}: ${describeFailure(spec, error)}`, {
    cause: error,
    details: { id: spec.id },
  });
}

function describeFailure(spec: WorkloadSpec, error: NodeJS.ErrnoException): string {
  try {
    if (!statSync(spec.cwd).isDirectory()) return `working directory ${spec.cwd} (cwd) is not a directory`;
  } catch {
    return `working directory ${spec.cwd} (cwd) does not exist`;
  }
  return error.message;
}
