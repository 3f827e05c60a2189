import { type CoreV1Api, type Informer, type KubeConfig, type ObjectCache, type V1Pod, makeInformer } from '@kubernetes/client-node';
import { setTimeout as delay } from 'node:timers/promises';
import { MANAGED_LABEL, WORKLOAD_LABEL } from './kube-labels.ts';

const RETRY_MIN_MS = 500;
const RETRY_MAX_MS = 30_000;

/**
 * Berth's pods in one namespace, kept by an informer (one list, then a watch; a watch that
 * expires with 410 Gone is re-listed by the client). Waiters are woken by events, never by
 * polling. Pods the watch saw deleted are remembered by workload, so a wait that comes after the
 * pod went still learns how it ended.
 */
export class PodWatch {
  readonly #informer: Informer<V1Pod> & ObjectCache<V1Pod>;
  readonly #namespace: string;
  readonly #deleted = new Map<string, V1Pod>();
  #wake: Array<() => void> = [];
  readonly #podListeners: Array<(pod: V1Pod) => void> = [];
  #stopped = false;
  #lastError: unknown = null;
  #restarting = false;

  constructor(kubeConfig: KubeConfig, core: CoreV1Api, namespace: string) {
    this.#namespace = namespace;
    const selector = `${MANAGED_LABEL}=true`;
    this.#informer = makeInformer<V1Pod>(kubeConfig, `/api/v1/namespaces/${namespace}/pods`, () => core.listNamespacedPod({ namespace, labelSelector: selector }), selector);
    this.#informer.on('add', (pod) => this.#notify(pod));
    this.#informer.on('update', (pod) => this.#notify(pod));
    this.#informer.on('delete', (pod) => {
      const workload = pod.metadata?.labels?.[WORKLOAD_LABEL];
      if (workload) this.#deleted.set(workload, pod);
      this.#notify();
    });
    this.#informer.on('error', (e) => void this.#restart(e));
  }

  /** Lists and starts watching; rejects when the first list fails (the API is unreachable or forbids it). */
  async start(): Promise<void> {
    let failed: unknown = null;
    const onError = (e: unknown): void => {
      failed = e;
    };
    this.#informer.on('error', onError);
    try {
      await this.#informer.start();
    } finally {
      this.#informer.off('error', onError);
    }
    if (failed) {
      this.#stopped = true;
      await this.#informer.stop();
      throw failed;
    }
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    await this.#informer.stop();
    this.#notify();
  }

  /** The workload's pods as last seen, newest first. */
  pods(workload: string): V1Pod[] {
    return this.#informer
      .list(this.#namespace)
      .filter((p) => p.metadata?.labels?.[WORKLOAD_LABEL] === workload)
      .sort((a, b) => time(b) - time(a));
  }

  /** The last pod of the workload the watch saw deleted, if any. */
  deletedPod(workload: string): V1Pod | undefined {
    return this.#deleted.get(workload);
  }

  forget(workload: string): void {
    this.#deleted.delete(workload);
  }

  /** The error that is keeping the watch down, if it is down. */
  get lastError(): unknown {
    return this.#lastError;
  }

  /** Resolves at the next pod event (or when the watch stops); rejects when `signal` aborts. */
  changed(signal?: AbortSignal): Promise<void> {
    signal?.throwIfAborted();
    return new Promise((resolve, reject) => {
      const onAbort = (): void => reject(signal!.reason);
      this.#wake.push(() => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      });
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** Called with every added or changed pod. */
  onPod(listener: (pod: V1Pod) => void): void {
    this.#podListeners.push(listener);
  }

  #notify(pod?: V1Pod): void {
    if (pod) for (const listener of this.#podListeners) listener(pod);
    const wake = this.#wake;
    this.#wake = [];
    for (const fn of wake) fn();
  }

  /** An informer stops at an error other than 410: start it again, backing off while it keeps failing. */
  async #restart(e: unknown): Promise<void> {
    this.#lastError = e;
    if (this.#restarting) return;
    this.#restarting = true;
    try {
      await this.#restartLoop();
    } finally {
      this.#restarting = false;
    }
  }

  async #restartLoop(): Promise<void> {
    for (let wait = RETRY_MIN_MS; !this.#stopped; wait = Math.min(wait * 2, RETRY_MAX_MS)) {
      await delay(wait);
      if (this.#stopped) return;
      let failed = false;
      const onError = (): void => {
        failed = true;
      };
      this.#informer.on('error', onError);
      try {
        await this.#informer.start();
      } catch {
        failed = true;
      } finally {
        this.#informer.off('error', onError);
      }
      if (!failed) {
        this.#lastError = null;
        this.#notify();
        return;
      }
    }
  }
}

function time(pod: V1Pod): number {
  const created = pod.metadata?.creationTimestamp;
  return created ? new Date(created).getTime() : 0;
}
