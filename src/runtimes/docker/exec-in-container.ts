import { PassThrough } from 'node:stream';
import type Docker from 'dockerode';
import type { ExecOptions, ExecResult } from '../driver.ts';

/** What the OCI runtime prints (exit 126) when the program does not exist; reported as 127 like a shell. */
const NOT_FOUND = /executable file not found|no such file or directory/i;
/** How the runtime's own failure to start an exec'd program begins (on the exec's stdout). */
const RUNTIME_FAILURE = /^OCI runtime exec failed/;

/** The exec create body: argv with the container's env and working directory, plus opts.env and opts.cwd. */
export function execCreateBody(argv: string[], opts: ExecOptions): Docker.ExecCreateOptions {
  return {
    Cmd: argv,
    Env: Object.entries(opts.env ?? {}).map(([k, v]) => `${k}=${v}`),
    WorkingDir: opts.cwd,
    AttachStdin: false,
    AttachStdout: true,
    AttachStderr: true,
    Tty: false,
  };
}

/** Whether output on an exec's stdout is the runtime saying it could not start the program. */
export function isRuntimeStartFailure(text: string): boolean {
  return RUNTIME_FAILURE.test(text);
}

/** The exit code a shell would report: 127 for a program the runtime did not find (it says 126). */
export function execExitCode(code: number | null, runtimeMessage: string): number | null {
  return code === 126 && NOT_FOUND.test(runtimeMessage) ? 127 : code;
}

/**
 * Runs argv in a running container with its env and working directory (plus `opts.env`, `opts.cwd`)
 * and collects stdout and stderr apart. On timeoutMs the result comes back with code null and what was
 * printed so far; the engine has no call to end an exec, so the command itself may run on.
 */
export async function execInContainer(docker: Docker, container: Docker.Container, argv: string[], opts: ExecOptions): Promise<ExecResult> {
  const exec = await container.exec(execCreateBody(argv, opts));
  const stream = await exec.start({ hijack: true, stdin: false });
  const out = collect();
  const err = collect();
  docker.modem.demuxStream(stream, out.sink, err.sink);
  const ended = new Promise<boolean>((resolve) => {
    stream.on('end', () => resolve(true));
    stream.on('close', () => resolve(true));
    stream.on('error', () => resolve(true));
  });
  let timer: NodeJS.Timeout | undefined;
  const timedOut = opts.timeoutMs === undefined ? null : new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), opts.timeoutMs)));
  const finished = await (timedOut ? Promise.race([ended, timedOut]) : ended);
  clearTimeout(timer);
  if (!finished) {
    stream.destroy();
    return { code: null, stdout: out.text(), stderr: err.text() };
  }
  const { ExitCode } = await exec.inspect();
  const stdout = out.text();
  const code = execExitCode(ExitCode ?? null, stdout);
  // The runtime's "not found" message arrives on stdout; move it where a shell would put it.
  if (code === 127 && ExitCode === 126) return { code, stdout: '', stderr: stdout + err.text() };
  return { code, stdout, stderr: err.text() };
}

function collect(): { sink: PassThrough; text: () => string } {
  const sink = new PassThrough();
  const chunks: Buffer[] = [];
  sink.on('data', (c: Buffer) => chunks.push(c));
  return { sink, text: () => Buffer.concat(chunks).toString('utf8') };
}
