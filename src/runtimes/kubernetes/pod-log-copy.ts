import { closeSync, mkdirSync, openSync, statSync, truncateSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { PassThrough } from 'node:stream';
import type { KubeConfig } from '@kubernetes/client-node';
import { Log } from '@kubernetes/client-node';
import type { LogFiles } from './kube-labels.ts';
import { CONTAINER } from './pod-template.ts';

/**
 * A pod's output as it comes, from the log API (stdout and stderr interleaved: the API has one
 * stream). Ends when the container ends (follow) or at the end of what there is; `signal` stops it.
 */
export async function* podLogStream(kubeConfig: KubeConfig, namespace: string, pod: string, opts: { follow: boolean; signal?: AbortSignal }): AsyncGenerator<Buffer> {
  const sink = new PassThrough();
  const controller = await new Log(kubeConfig).log(namespace, pod, CONTAINER, sink, { follow: opts.follow });
  const onAbort = (): void => {
    controller.abort();
    sink.end();
  };
  if (opts.signal?.aborted) onAbort();
  opts.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    for await (const chunk of sink) yield chunk as Buffer;
  } catch (e) {
    if (!opts.signal?.aborted) throw e;
  } finally {
    opts.signal?.removeEventListener('abort', onAbort);
    controller.abort();
  }
}

/**
 * Copies a pod's log into the workload's log file (everything goes to `path`: the log API does not
 * keep stderr apart). `rewrite` first cuts the file back to the offset recorded at creation, so an
 * adopter's copy replaces a half copy rather than repeating it.
 */
export async function copyPodLog(kubeConfig: KubeConfig, namespace: string, pod: string, files: LogFiles, opts: { follow: boolean; rewrite: boolean; signal?: AbortSignal }): Promise<void> {
  if (!files.path) return;
  mkdirSync(dirname(files.path), { recursive: true });
  if (opts.rewrite && size(files.path) > files.offset) truncateSync(files.path, files.offset);
  const fd = openSync(files.path, 'a');
  try {
    for await (const chunk of podLogStream(kubeConfig, namespace, pod, opts)) writeSync(fd, chunk);
  } finally {
    closeSync(fd);
  }
}

function size(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}
