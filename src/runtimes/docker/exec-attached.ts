import { readFileSync } from 'node:fs';
import type { Duplex } from 'node:stream';
import { Writable } from 'node:stream';
import { setTimeout as delay } from 'node:timers/promises';
import type Docker from 'dockerode';
import type { ExecOptions, ExecResult } from '../driver.ts';
import { execCreateBody, execExitCode, isRuntimeStartFailure } from './exec-in-container.ts';

const EXIT_POLL_MS = 20;
const EXIT_POLL_LIMIT = 250;
/** Signals to Berth that are passed on to the exec'd command (Ctrl-C without a TTY, a closed terminal, kill). */
const FORWARDED = ['SIGINT', 'SIGQUIT', 'SIGTERM', 'SIGHUP'] as const;

/**
 * `docker exec -i` (and `-t` when stdin and stdout are terminals) on this process's stdio: runs argv
 * in the running container with its environment and working directory (plus opts), copies stdin in
 * (ending the command's stdin when ours ends) and its output out, and resolves with its exit code.
 * The runtime's "executable file not found" (printed on stdout, exit 126) goes to stderr and gives 127.
 * Signals to Berth are passed on to the command when the engine is local (see forwardSignal).
 */
export async function execAttached(docker: Docker, container: Docker.Container, argv: string[], opts: ExecOptions): Promise<ExecResult> {
  const { stdin, stdout, stderr } = process;
  const tty = Boolean(stdin.isTTY && stdout.isTTY);
  const exec = await container.exec({ ...execCreateBody(argv, opts), AttachStdin: true, Tty: tty });
  const stream = (await exec.start({ hijack: true, stdin: true, Tty: tty })) as Duplex;
  let startFailure = '';
  const ended = new Promise<void>((resolve) => {
    stream.once('end', resolve);
    stream.once('close', resolve);
    stream.once('error', () => resolve());
  });
  const resize = (): void => void exec.resize({ h: stdout.rows, w: stdout.columns }).catch(() => undefined);
  if (tty) {
    stdin.setRawMode(true);
    stream.pipe(stdout, { end: false });
    resize();
    stdout.on('resize', resize);
  } else {
    const sink = (to: NodeJS.WriteStream, out: boolean): Writable =>
      new Writable({
        write(chunk: Buffer, _encoding, done) {
          if (out && isRuntimeStartFailure(chunk.toString('utf8'))) {
            startFailure += chunk.toString('utf8');
            stderr.write(chunk);
          } else {
            to.write(chunk);
          }
          done();
        },
      });
    docker.modem.demuxStream(stream, sink(stdout, true), sink(stderr, false));
  }
  stdin.pipe(stream);
  const onSignal = (signal: NodeJS.Signals): void => void forwardSignal(exec, container.id, signal);
  for (const signal of FORWARDED) process.on(signal, onSignal);
  let timer: NodeJS.Timeout | undefined;
  const timedOut = opts.timeoutMs === undefined ? null : new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), opts.timeoutMs)));
  const finished = await (timedOut ? Promise.race([ended.then(() => true), timedOut]) : ended.then(() => true));
  clearTimeout(timer);
  for (const signal of FORWARDED) process.off(signal, onSignal);
  stdin.unpipe(stream);
  if (tty) {
    stdout.off('resize', resize);
    stdin.setRawMode(false);
    stream.unpipe(stdout);
  }
  // Nothing reads our stdin any more: let it go, so Berth can exit.
  stdin.destroy();
  if (!finished) {
    stream.destroy();
    return { code: null, stdout: '', stderr: '' };
  }
  return { code: execExitCode(await exitCodeOf(exec), startFailure), stdout: '', stderr: '' };
}

/** The exec's exit code; the engine may record it a moment after the output stream closed. */
async function exitCodeOf(exec: Docker.Exec): Promise<number | null> {
  for (let i = 0; ; i++) {
    const info = await exec.inspect();
    if (!info.Running || i >= EXIT_POLL_LIMIT) return info.ExitCode ?? null;
    await delay(EXIT_POLL_MS);
  }
}

/**
 * The Engine API cannot signal an exec'd process, but a local engine's exec pid is a host pid: signal
 * it there, after checking (its cgroup names the container) that the pid is that process and not
 * one of a remote engine's pids that happens to exist here.
 */
async function forwardSignal(exec: Docker.Exec, containerId: string, signal: NodeJS.Signals): Promise<void> {
  try {
    const Pid = await execPid(exec);
    if (!Pid || !readFileSync(`/proc/${Pid}/cgroup`, 'utf8').includes(containerId)) return;
    process.kill(Pid, signal);
  } catch {
    // Gone already, not ours to signal, or the engine is away: nothing to pass on.
  }
}

/**
 * The exec'd process's host pid. On a busy machine the engine may report the exec running (its
 * output already flowing) a moment before it records the pid: asking once then dropped Ctrl-C.
 */
async function execPid(exec: Docker.Exec): Promise<number | undefined> {
  for (let i = 0; i < EXIT_POLL_LIMIT; i++) {
    const info = (await exec.inspect()) as { Pid?: number; Running?: boolean; ExitCode?: number | null };
    if (info.Pid) return info.Pid;
    if (!info.Running && info.ExitCode !== null && info.ExitCode !== undefined) return undefined;
    await delay(EXIT_POLL_MS);
  }
  return undefined;
}
