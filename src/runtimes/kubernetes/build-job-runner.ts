import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { BatchV1Api, KubeConfig, V1Job, V1Pod } from '@kubernetes/client-node';
import type { ExitStatus } from '../driver.ts';
import { isConflict, isNotFound } from './kube-errors.ts';
import { CONTAINER } from './pod-template.ts';
import { podLogStream } from './pod-log-copy.ts';
import { podOutcome } from './pod-outcome.ts';
import type { Changes, KubeWatch } from './kube-watch.ts';

export interface BuildJobResult {
  exit: ExitStatus;
  /** The node the builder pod ran on. */
  node: string | null;
  /** The container's termination message (the builders write the pushed image's digest there). */
  message: string;
  /** Why the pod never ran (its builder image cannot be pulled…), when it did not. */
  stuck?: string;
}

/**
 * Runs one builder Job to its end, from the pod informer's events (no polling): creates it (or
 * waits on the one another Berth created for the same image), copies its pod's log into `logPath`
 * line by line (each to `onLine`), and deletes the Job once its pod ended or cannot start.
 */
export async function runBuildJob(
  deps: { kubeConfig: KubeConfig; batch: BatchV1Api; pods: KubeWatch<V1Pod>; changes: Changes; namespace: string },
  job: V1Job,
  opts: { logPath: string; onLine?: (line: string) => void; signal?: AbortSignal },
): Promise<BuildJobResult> {
  const name = job.metadata!.name!;
  mkdirSync(dirname(opts.logPath), { recursive: true });
  writeFileSync(opts.logPath, '');
  try {
    await deps.batch.createNamespacedJob({ namespace: deps.namespace, body: job });
  } catch (e) {
    if (!isConflict(e)) throw e;
  }
  let copy: Promise<void> | null = null;
  const abort = new AbortController();
  try {
    for (;;) {
      opts.signal?.throwIfAborted();
      const changed = deps.changes.changed(opts.signal);
      changed.catch(() => undefined);
      const pod = deps.pods.of(name)[0] ?? deps.pods.deleted(name);
      const outcome = pod ? podOutcome(pod, !deps.pods.of(name)[0]) : null;
      if (pod && outcome?.state === 'stuck') return { exit: { code: null, signal: null, reason: outcome.reason }, node: pod.spec?.nodeName ?? null, message: '', stuck: `${outcome.reason}: ${outcome.message}` };
      if (pod && (outcome?.state === 'running' || outcome?.state === 'ended') && !copy) copy = copyLines(deps, pod.metadata!.name!, opts.logPath, opts.onLine, abort.signal);
      if (pod && outcome?.state === 'ended') {
        await copy;
        const terminated = pod.status?.containerStatuses?.find((c) => c.name === CONTAINER)?.state?.terminated;
        return { exit: outcome.exit, node: pod.spec?.nodeName ?? null, message: (terminated?.message ?? '').trim() };
      }
      await changed;
    }
  } finally {
    abort.abort();
    await copy;
    await deps.batch.deleteNamespacedJob({ name, namespace: deps.namespace, propagationPolicy: 'Background' }).catch((e: unknown) => {
      if (!isNotFound(e)) throw e;
    });
    deps.pods.forget(name);
  }
}

async function copyLines(deps: { kubeConfig: KubeConfig; namespace: string }, pod: string, logPath: string, onLine: ((line: string) => void) | undefined, signal: AbortSignal): Promise<void> {
  const decoder = new TextDecoder();
  let partial = '';
  try {
    for await (const chunk of podLogStream(deps.kubeConfig, deps.namespace, pod, { follow: true, signal })) {
      const text = decoder.decode(chunk, { stream: true });
      appendFileSync(logPath, text);
      const lines = (partial + text).split('\n');
      partial = lines.pop()!;
      for (const line of lines) onLine?.(line);
    }
  } catch {
    // The log is best effort: the build's outcome comes from the pod's status.
  }
  const tail = decoder.decode();
  if (tail) appendFileSync(logPath, tail);
  if (partial + tail) onLine?.(partial + tail);
}
