import { constants, existsSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import type { RunRow } from '../store/run-repository.ts';
import type { RunReport } from './run-report.ts';

/** Finds a run's step by reference (the engine does). */
export interface StepFinder {
  findStep(runRef: string, stepRef: string): Promise<{ run: RunRow; step: RunReport['steps'][number] }>;
}

const FOLLOW_POLL_MS = 200;

/**
 * A step's log as chunks: what is there now, or (follow) everything until the step has ended.
 * Used by `berth logs` in-process and by the server's log route, so both print the same bytes.
 */
export async function* stepLogChunks(engine: StepFinder, runRef: string, stepRef: string, opts: { follow?: boolean; signal?: AbortSignal } = {}): AsyncGenerator<Buffer> {
  const { run, step } = await engine.findStep(runRef, stepRef);
  let offset = 0;
  for (;;) {
    for await (const chunk of readFrom(step.log_path, offset)) {
      offset += chunk.length;
      yield chunk;
    }
    if (!opts.follow || opts.signal?.aborted) return;
    const now = (await engine.findStep(run.uuid, step.uuid)).step;
    if (now.status !== 'PENDING' && now.status !== 'STARTED') {
      for await (const chunk of readFrom(step.log_path, offset)) yield chunk;
      return;
    }
    await sleep(FOLLOW_POLL_MS, undefined, { signal: opts.signal }).catch(() => undefined);
  }
}

/** The file from `offset`; nothing when it is missing or is a symlink (never followed: a workload may have planted it). */
async function* readFrom(path: string, offset: number): AsyncGenerator<Buffer> {
  if (!existsSync(path)) return;
  const fh = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW).catch((e: NodeJS.ErrnoException) => {
    if (e.code === 'ELOOP' || e.code === 'ENOENT') return null;
    throw e;
  });
  if (!fh) return;
  try {
    for (;;) {
      const buf = Buffer.alloc(64 * 1024);
      const { bytesRead } = await fh.read(buf, 0, buf.length, offset);
      if (bytesRead === 0) return;
      offset += bytesRead;
      yield buf.subarray(0, bytesRead);
    }
  } finally {
    await fh.close();
  }
}
