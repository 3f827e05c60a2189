import { open, type FileHandle } from 'node:fs/promises';
import { StringDecoder } from 'node:string_decoder';
import type { LogChunk } from '../driver.ts';

export interface TailOptions {
  /** Keep reading until `ended()` says the writer is done, then drain what is left. */
  follow: boolean;
  /** Ends the iteration quietly. */
  signal?: AbortSignal;
  ended: () => boolean;
  /** Resolves when it is worth reading again: after a short while, when the writer ends, or on abort. */
  idle: () => Promise<void>;
}

const CHUNK_BYTES = 64 * 1024;

/** Yields a file's content as UTF-8 text from its start (a missing file reads as empty until it appears). */
export async function* tailFile(path: string, opts: TailOptions): AsyncGenerator<LogChunk> {
  const decoder = new StringDecoder('utf8');
  const buffer = Buffer.alloc(CHUNK_BYTES);
  let file: FileHandle | undefined;
  let position = 0;
  try {
    for (;;) {
      if (opts.signal?.aborted) return;
      // Sampled before draining, so whatever the writer wrote before it ended is read by this pass.
      const ended = !opts.follow || opts.ended();
      file ??= await openIfExists(path);
      if (file) {
        for (;;) {
          const { bytesRead } = await file.read(buffer, 0, CHUNK_BYTES, position);
          if (bytesRead === 0) break;
          position += bytesRead;
          const data = decoder.write(buffer.subarray(0, bytesRead));
          if (data) yield { data };
        }
      }
      if (ended) {
        const rest = decoder.end();
        if (rest) yield { data: rest };
        return;
      }
      await opts.idle();
    }
  } finally {
    await file?.close();
  }
}

async function openIfExists(path: string): Promise<FileHandle | undefined> {
  try {
    return await open(path, 'r');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
}
