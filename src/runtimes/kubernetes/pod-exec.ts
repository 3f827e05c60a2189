import { PassThrough, type Readable, type Writable } from 'node:stream';
import { Exec, type KubeConfig, type V1Status } from '@kubernetes/client-node';
import type { ExecOptions, ExecResult } from '../driver.ts';
import { CONTAINER } from './pod-template.ts';

/**
 * Runs argv in a workload's container through the exec API (a WebSocket). The API has no env or
 * cwd: with them the command runs as `sh -c 'cd -- "$0" && exec "$@"' CWD env K=V… ARGV`, so the
 * image needs sh (and env) for those two options only. The exit code comes from the final status.
 */
export async function podExec(kubeConfig: KubeConfig, namespace: string, pod: string, argv: string[], opts: ExecOptions): Promise<ExecResult> {
  const command = execArgv(argv, opts);
  const stdout = new Collector();
  const stderr = new Collector();
  const attach = opts.attach === true;
  const tty = attach && process.stdin.isTTY === true;
  return new Promise<ExecResult>((resolve, reject) => {
    let timer: NodeJS.Timeout | undefined;
    const finish = (status: V1Status | null): void => {
      clearTimeout(timer);
      resolve({ code: exitCode(status), stdout: attach ? '' : stdout.text(), stderr: attach ? '' : stderr.text() });
    };
    new Exec(kubeConfig)
      .exec(
        namespace,
        pod,
        CONTAINER,
        command,
        attach ? (process.stdout as Writable) : stdout.stream,
        attach ? (process.stderr as Writable) : stderr.stream,
        attach ? (process.stdin as Readable) : null,
        tty,
        (status) => finish(status),
      )
      .then((ws) => {
        if (opts.timeoutMs) timer = setTimeout(() => ws.close(), opts.timeoutMs);
        ws.on('close', () => setImmediate(() => finish(null)));
      }, reject);
  });
}

/** The argv sent to the exec API (pure). */
export function execArgv(argv: string[], opts: Pick<ExecOptions, 'env' | 'cwd'>): string[] {
  const env = Object.entries(opts.env ?? {}).map(([k, v]) => `${k}=${v}`);
  const withEnv = env.length > 0 ? ['env', ...env, ...argv] : argv;
  return opts.cwd ? ['sh', '-c', 'cd -- "$0" && exec "$@"', opts.cwd, ...withEnv] : withEnv;
}

/** Status "Success" is 0; a non-zero exit is reason NonZeroExitCode with the code in causes[ExitCode]. */
function exitCode(status: V1Status | null): number | null {
  if (!status) return null;
  if (status.status === 'Success') return 0;
  const cause = status.details?.causes?.find((c) => c.reason === 'ExitCode');
  const code = Number(cause?.message);
  return Number.isInteger(code) ? code : null;
}

class Collector {
  readonly stream = new PassThrough();
  readonly #chunks: Buffer[] = [];
  constructor() {
    this.stream.on('data', (c: Buffer) => this.#chunks.push(c));
  }
  text(): string {
    return Buffer.concat(this.#chunks).toString('utf8');
  }
}
