import { closeSync, mkdirSync, openSync, statSync, truncateSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { ApiException, HttpMethod, type KubeConfig, RequestContext } from '@kubernetes/client-node';
import { fetch } from 'undici';
import type { LogFiles } from './kube-labels.ts';
import { CONTAINER } from './pod-template.ts';

/**
 * A pod's output as it comes, from the log API (stdout and stderr interleaved: the API has one
 * stream). Ends when the container ends (follow) or at the end of what there is; `signal` stops it.
 * The request is made here rather than with the client's Log class, which leaves its response
 * stream without an error handler: an abort or a dropped connection would crash the process.
 */
export async function* podLogStream(kubeConfig: KubeConfig, namespace: string, pod: string, opts: { follow: boolean; signal?: AbortSignal }): AsyncGenerator<Uint8Array> {
  const cluster = kubeConfig.getCurrentCluster();
  if (!cluster) throw new Error('no current cluster in the kubeconfig');
  const url = new URL(`${cluster.server}/api/v1/namespaces/${encodeURIComponent(namespace)}/pods/${encodeURIComponent(pod)}/log`);
  url.searchParams.set('container', CONTAINER);
  url.searchParams.set('follow', String(opts.follow));
  const ctx = new RequestContext(url.toString(), HttpMethod.GET);
  await kubeConfig.applySecurityAuthentication(ctx);
  const controller = new AbortController();
  const onAbort = (): void => controller.abort();
  if (opts.signal?.aborted) return;
  opts.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    const response = await fetch(url, { method: 'GET', headers: ctx.getHeaders(), dispatcher: ctx.getDispatcher() as never, signal: controller.signal });
    if (response.status !== 200 || !response.body) {
      const text = await response.text().catch(() => '');
      throw new ApiException(response.status, `log of pod ${pod}: HTTP ${response.status}`, text, {});
    }
    for await (const chunk of response.body) yield chunk;
  } catch (e) {
    if (!controller.signal.aborted) throw e;
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
