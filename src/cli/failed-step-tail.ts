import { StringDecoder } from 'node:string_decoder';
import type { BerthBackend } from './backend/berth-backend.ts';

/** How much of the end of a log is kept while reading it for its last lines. */
const KEEP_BYTES = 64 * 1024;

/** The last `count` lines of a step's log (empty when it wrote nothing). Reads the log once, keeping only its end. */
export async function failedStepTail(backend: BerthBackend, runUuid: string, stepUuid: string, count: number): Promise<string[]> {
  const { chunks } = await backend.stepLog(runUuid, stepUuid, { follow: false });
  if (!chunks) return [];
  const decoder = new StringDecoder('utf8');
  let text = '';
  for await (const chunk of chunks) {
    text += decoder.write(chunk);
    if (text.length > 2 * KEEP_BYTES) text = text.slice(-KEEP_BYTES);
  }
  text += decoder.end();
  const lines = text.replace(/\n$/, '').split('\n');
  return text === '' ? [] : lines.slice(-count);
}
