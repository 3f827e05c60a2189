import { mkdirSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { dirname } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import type Docker from 'dockerode';

/**
 * A container's stdout and stderr, interleaved as the engine recorded them, from its start.
 * With follow, the iteration ends when the container ends or `signal` aborts (quietly).
 * Rejects with the Engine API error (e.g. 404 for a removed container) before the first chunk.
 */
export async function* containerLogStream(docker: Docker, container: Docker.Container, opts: { follow: boolean; signal?: AbortSignal }): AsyncGenerator<Buffer> {
  if (opts.signal?.aborted) return;
  const response = (await container.logs({ follow: opts.follow as true, stdout: true, stderr: true, abortSignal: opts.signal })) as unknown;
  const source = Buffer.isBuffer(response) ? Readable.from([response]) : (response as NodeJS.ReadableStream & { destroy?: () => void });
  const merged = new PassThrough();
  const end = (): void => void merged.end();
  source.on('end', end);
  source.on('close', end);
  source.on('error', end);
  docker.modem.demuxStream(source, merged, merged);
  const onAbort = (): void => {
    source.destroy?.();
    end();
  };
  opts.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    for await (const chunk of merged) yield chunk as Buffer;
  } finally {
    opts.signal?.removeEventListener('abort', onAbort);
    source.destroy?.();
  }
}

/** Writes the container's whole log to `logPath` (replacing it); with follow, live until the container ends. */
export async function copyContainerLog(docker: Docker, container: Docker.Container, logPath: string, opts: { follow: boolean; signal?: AbortSignal }): Promise<void> {
  mkdirSync(dirname(logPath), { recursive: true });
  const file = await open(logPath, 'w');
  try {
    for await (const chunk of containerLogStream(docker, container, opts)) await file.write(chunk);
  } finally {
    await file.close();
  }
}
