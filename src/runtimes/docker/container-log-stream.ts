import { constants, mkdirSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import { PassThrough, Readable, Writable } from 'node:stream';
import type Docker from 'dockerode';
import type { LogFiles } from './docker-labels.ts';

/** One piece of a container's output, from stdout or stderr. */
export interface LogFrame {
  stream: 'stdout' | 'stderr';
  data: Buffer;
}

/**
 * A container's stdout and stderr frames, in the order the engine recorded them, from its start.
 * With follow, the iteration ends when the container ends or `signal` aborts (quietly).
 * Rejects with the Engine API error (e.g. 404 for a removed container) before the first frame.
 */
export async function* containerLogFrames(docker: Docker, container: Docker.Container, opts: { follow: boolean; signal?: AbortSignal }): AsyncGenerator<LogFrame> {
  if (opts.signal?.aborted) return;
  const response = (await container.logs({ follow: opts.follow as true, stdout: true, stderr: true, abortSignal: opts.signal })) as unknown;
  const source = Buffer.isBuffer(response) ? Readable.from([response]) : (response as NodeJS.ReadableStream & { destroy?: () => void });
  const merged = new PassThrough({ objectMode: true });
  const end = (): void => void merged.end();
  source.on('end', end);
  source.on('close', end);
  source.on('error', end);
  // demuxStream writes each frame to its stream's sink in order: tagging them keeps that order.
  const sink = (stream: LogFrame['stream']): Writable =>
    new Writable({
      write(data: Buffer, _encoding, done) {
        if (!merged.writableEnded) merged.write({ stream, data });
        done();
      },
    });
  docker.modem.demuxStream(source, sink('stdout'), sink('stderr'));
  const onAbort = (): void => {
    source.destroy?.();
    end();
  };
  opts.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    for await (const frame of merged) yield frame as LogFrame;
  } finally {
    opts.signal?.removeEventListener('abort', onAbort);
    source.destroy?.();
  }
}

/** stdout and stderr interleaved. */
export async function* containerLogStream(docker: Docker, container: Docker.Container, opts: { follow: boolean; signal?: AbortSignal }): AsyncGenerator<Buffer> {
  for await (const frame of containerLogFrames(docker, container, opts)) yield frame.data;
}

/**
 * Appends the container's whole log to its log files (stderr to `files.errPath` when set), live until
 * the container ends with follow. `rewrite` first cuts the files back to where this container's output
 * began (its offsets), for a copy that replaces an earlier, possibly partial one.
 */
export async function copyContainerLog(
  docker: Docker,
  container: Docker.Container,
  files: LogFiles,
  opts: { follow: boolean; signal?: AbortSignal; rewrite: boolean },
): Promise<void> {
  const out = await openLog(files.path, opts.rewrite ? files.offset : null);
  const err = files.errPath === undefined ? out : await openLog(files.errPath, opts.rewrite ? files.errOffset : null).catch(async (e: unknown) => {
    await out.close();
    throw e;
  });
  try {
    for await (const frame of containerLogFrames(docker, container, opts)) await (frame.stream === 'stderr' ? err : out).write(frame.data);
  } finally {
    await out.close();
    if (err !== out) await err.close();
  }
}

/**
 * Opens a log file for appending; with `cutAt`, first drops what lies past that offset. Never
 * through a symlink (O_NOFOLLOW: ELOOP): a log lies in a folder a workload may have mounted, and
 * whatever it planted there must not make the server write to another file.
 */
async function openLog(path: string, cutAt: number | null): Promise<FileHandle> {
  mkdirSync(dirname(path), { recursive: true });
  const fh = await open(path, constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | constants.O_NOFOLLOW, 0o600);
  if (cutAt !== null && (await fh.stat()).size > cutAt) await fh.truncate(cutAt);
  return fh;
}
