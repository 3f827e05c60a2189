import {
  type AppsV1Api,
  type CoreV1Api,
  type Informer,
  type KubeConfig,
  type KubernetesListObject,
  type KubernetesObject,
  type ObjectCache,
  type V1Deployment,
  type V1Pod,
  makeInformer,
} from '@kubernetes/client-node';
import { setTimeout as delay } from 'node:timers/promises';
import { MANAGED_LABEL, WORKLOAD_LABEL } from './kube-labels.ts';

const RETRY_MIN_MS = 500;
const RETRY_MAX_MS = 30_000;

/** Wakes everyone waiting for a change of any watched object (one set of waiters for every watch). */
export class Changes {
  #wake: Array<() => void> = [];

  /** Resolves at the next event of any watch (or when one stops); rejects when `signal` aborts. */
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

  notify(): void {
    const wake = this.#wake;
    this.#wake = [];
    for (const fn of wake) fn();
  }
}

/**
 * Berth's objects of one kind in one namespace, kept by an informer (one list, then a watch; a
 * watch that expires with 410 Gone is re-listed by the client). Waiters are woken through `changes`
 * by events, never by polling. Objects the watch saw deleted are remembered by workload, so a wait
 * that comes after the object went still learns how it ended.
 */
export class KubeWatch<T extends KubernetesObject> {
  readonly #informer: Informer<T> & ObjectCache<T>;
  readonly #namespace: string;
  readonly #changes: Changes;
  readonly #deleted = new Map<string, T>();
  readonly #listeners: Array<(object: T) => void> = [];
  #stopped = false;
  #lastError: unknown = null;
  #restarting = false;

  constructor(kubeConfig: KubeConfig, opts: { namespace: string; path: string; list: (labelSelector: string) => Promise<KubernetesListObject<T>>; changes: Changes }) {
    this.#namespace = opts.namespace;
    this.#changes = opts.changes;
    const selector = `${MANAGED_LABEL}=true`;
    this.#informer = makeInformer<T>(kubeConfig, opts.path, () => opts.list(selector), selector);
    this.#informer.on('add', (object) => this.#notify(object));
    this.#informer.on('update', (object) => this.#notify(object));
    this.#informer.on('delete', (object) => {
      const workload = object.metadata?.labels?.[WORKLOAD_LABEL];
      if (workload) this.#deleted.set(workload, object);
      this.#notify();
    });
    this.#informer.on('error', (e) => void this.#restart(e));
  }

  /** Lists and starts watching; rejects when the first list fails (the API is unreachable or forbids it). */
  async start(): Promise<void> {
    this.#stopped = false;
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
    this.#changes.notify();
  }

  /** The workload's objects as last seen, newest first. */
  of(workload: string): T[] {
    return this.#informer
      .list(this.#namespace)
      .filter((o) => o.metadata?.labels?.[WORKLOAD_LABEL] === workload)
      .sort((a, b) => time(b) - time(a));
  }

  /** The last object of the workload the watch saw deleted, if any. */
  deleted(workload: string): T | undefined {
    return this.#deleted.get(workload);
  }

  forget(workload: string): void {
    this.#deleted.delete(workload);
  }

  /** The error that is keeping the watch down, if it is down. */
  get lastError(): unknown {
    return this.#lastError;
  }

  /** Called with every added or changed object. */
  onObject(listener: (object: T) => void): void {
    this.#listeners.push(listener);
  }

  #notify(object?: T): void {
    if (object) for (const listener of this.#listeners) listener(object);
    this.#changes.notify();
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

/** Berth's pods of the namespace (what the kubelet reports: the state machine's input). */
export function podWatch(kubeConfig: KubeConfig, core: CoreV1Api, namespace: string, changes: Changes): KubeWatch<V1Pod> {
  return new KubeWatch<V1Pod>(kubeConfig, { namespace, path: `/api/v1/namespaces/${namespace}/pods`, list: (labelSelector) => core.listNamespacedPod({ namespace, labelSelector }), changes });
}

/** Berth's Deployments of the namespace (replicas wanted, and the controller's ReplicaFailure when pods cannot be made). */
export function deploymentWatch(kubeConfig: KubeConfig, apps: AppsV1Api, namespace: string, changes: Changes): KubeWatch<V1Deployment> {
  return new KubeWatch<V1Deployment>(kubeConfig, { namespace, path: `/apis/apps/v1/namespaces/${namespace}/deployments`, list: (labelSelector) => apps.listNamespacedDeployment({ namespace, labelSelector }), changes });
}

function time(object: KubernetesObject): number {
  const created = object.metadata?.creationTimestamp;
  return created ? new Date(created).getTime() : 0;
}
