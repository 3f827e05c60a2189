import { open } from 'node:fs/promises';
import { setTimeout as delay } from 'node:timers/promises';

export interface LogPiece {
  stream: 'out' | 'err';
  data: Buffer;
}

const CHUNK_BYTES = 64 * 1024;
const FOLLOW_POLL_MS = 100;

/**
 * Yields what the instance's .out and .err files hold, from their start; with follow, keeps polling
 * both until `running()` says the instance is gone, then drains what is left. Missing files read as empty.
 */
export async function* followInstanceLogs(
  paths: { out: string; err: string },
  opts: { follow: boolean; signal?: AbortSignal; running: () => Promise<boolean> },
): AsyncGenerator<LogPiece> {
  const offsets = { out: 0, err: 0 };
  for (;;) {
    const last = !opts.follow || !(await opts.running());
    for (const stream of ['out', 'err'] as const) {
      for await (const data of readFrom(paths[stream], offsets[stream])) {
        offsets[stream] += data.length;
        yield { stream, data };
      }
    }
    if (last || opts.signal?.aborted) return;
    await delay(FOLLOW_POLL_MS, undefined, { signal: opts.signal }).catch(() => undefined);
  }
}

async function* readFrom(path: string, offset: number): AsyncGenerator<Buffer> {
  let file;
  try {
    file = await open(path, 'r');
  } catch {
    return;
  }
  try {
    for (let position = offset; ; ) {
      const buffer = Buffer.alloc(CHUNK_BYTES);
      const { bytesRead } = await file.read(buffer, 0, CHUNK_BYTES, position);
      if (bytesRead === 0) return;
      position += bytesRead;
      yield buffer.subarray(0, bytesRead);
    }
  } finally {
    await file.close();
  }
}
