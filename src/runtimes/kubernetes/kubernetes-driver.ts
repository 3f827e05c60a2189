import { statSync } from 'node:fs';
import { appendFile, readFile } from 'node:fs/promises';
import { setTimeout as delay } from 'node:timers/promises';
import {
  AppsV1Api,
  BatchV1Api,
  CoreV1Api,
  type KubeConfig,
  PatchStrategy,
  type V1Deployment,
  type V1Job,
  type V1Pod,
  setHeaderOptions,
} from '@kubernetes/client-node';
import { BerthError } from '../../errors.ts';
import { type BuildJobResult, runBuildJob } from './build-job-runner.ts';
import type { DriverCapabilities, ExecOptions, ExecResult, ExitStatus, LogChunk, LogOptions, OwnerLabels, RuntimeDriver, WorkloadHandle, WorkloadSpec } from '../driver.ts';
import { abortable } from '../abortable.ts';
import { isConflict, isNotFound, kubeError } from './kube-errors.ts';
import { type LogFiles, WORKLOAD_LABEL, ownerSelector, parseWorkloadAnnotations } from './kube-labels.ts';
import type { KubeSettings } from '../../config/kube-settings.ts';
import { NodeImages } from './node-images.ts';
import { podExec } from './pod-exec.ts';
import { copyPodLog, podLogStream } from './pod-log-copy.ts';
import { type PodOutcome, START_ERROR, podOutcome } from './pod-outcome.ts';
import { Changes, type KubeWatch, deploymentWatch, podWatch } from './kube-watch.ts';
import { deploymentFailure, wantedReplicas } from './deployment-outcome.ts';
import { ownerReference, workloadObjects, workloadService } from './workload-objects.ts';
import { EXIT_ANNOTATION, type KubeState, kubeState, lastExit, recordedExit, toHandle } from './kube-handle.ts';
import { refusedError, stuckError } from './start-errors.ts';

/** What the kubernetes runtime can do (no stats: the metrics API is an add-on Berth does not ask). */
export const KUBE_CAPABILITIES: DriverCapabilities = Object.freeze({ isolation: true, ports: true, volumes: true, exec: true, stats: false, restart: true, restartFixedAtStart: true, pullsImages: true });

const REMOVE_GRACE_MS = 2000;
/** How long a wait lets the log copy finish after the end before it cuts it off. */
const LOG_DRAIN_MS = 5000;
/** How long stop waits past the grace period for the kubelet to report the end. */
const STOP_SLACK_MS = 30_000;
const MERGE_PATCH = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

interface LogCopy {
  done: Promise<void>;
  abort: AbortController;
  /** The container copied: pod name and restart count (a restarted container's log is a new stream). */
  container: string;
}

/**
 * Runs workloads on Kubernetes: run-once workloads as Jobs, restarting ones as Deployments, ports
 * behind a Service (see workloadObjects). Everything needed to adopt lives on the cluster (labels,
 * annotations, deterministic names), so a restarted Berth finds, waits for, stops and removes what
 * the one before it started. Pod status comes from one informer per namespace (list + watch), not
 * from polling; the pod's output is copied into the workload's log file as it comes.
 */
export class KubernetesDriver implements RuntimeDriver {
  readonly name = 'kubernetes';
  readonly capabilities: DriverCapabilities = KUBE_CAPABILITIES;
  readonly #kubeConfig: KubeConfig;
  readonly #settings: KubeSettings;
  readonly #core: CoreV1Api;
  readonly #batch: BatchV1Api;
  readonly #apps: AppsV1Api;
  readonly #changes = new Changes();
  readonly #pods: KubeWatch<V1Pod>;
  readonly #deployments: KubeWatch<V1Deployment>;
  readonly #nodes: NodeImages;
  readonly #server: string;
  readonly #logCopies = new Map<string, LogCopy>();
  /** Workloads whose log this driver finished copying (a later wait must not copy it again). */
  readonly #copied = new Set<string>();
  /** Restarting workloads this driver copies logs of: each new container (restart or new pod) is appended. */
  readonly #followed = new Map<string, { handle: WorkloadHandle; files: LogFiles }>();
  #started: Promise<void> | null = null;
  /** Removals of workloads whose start gave up (destroy waits for them). */
  readonly #abandoned = new Set<Promise<void>>();

  constructor(opts: { kubeConfig: KubeConfig; settings: KubeSettings }) {
    this.#kubeConfig = opts.kubeConfig;
    this.#settings = opts.settings;
    this.#core = opts.kubeConfig.makeApiClient(CoreV1Api);
    this.#batch = opts.kubeConfig.makeApiClient(BatchV1Api);
    this.#apps = opts.kubeConfig.makeApiClient(AppsV1Api);
    this.#server = opts.kubeConfig.getCurrentCluster()?.server ?? '(no cluster in the kubeconfig)';
    this.#pods = podWatch(opts.kubeConfig, this.#core, opts.settings.namespace, this.#changes);
    this.#deployments = deploymentWatch(opts.kubeConfig, this.#apps, opts.settings.namespace, this.#changes);
    this.#nodes = new NodeImages(opts.kubeConfig, this.#core);
    this.#pods.onObject((pod) => {
      this.#followRestart(pod);
      this.#nodes.observe(pod);
    });
  }

  get namespace(): string {
    return this.#settings.namespace;
  }

  async init(signal?: AbortSignal): Promise<void> {
    this.#started ??= Promise.all([
      this.#pods.start().catch((e: unknown) => {
        throw kubeError(e, `watch the pods of namespace ${this.namespace}`, this.#server);
      }),
      this.#deployments.start().catch((e: unknown) => {
        throw kubeError(e, `watch the deployments of namespace ${this.namespace}`, this.#server);
      }),
    ]).then(
      () => undefined,
      async (e: unknown) => {
        this.#started = null;
        await Promise.all([this.#pods.stop(), this.#deployments.stop()]);
        throw e;
      },
    );
    await abortable(this.#started, signal);
    // Which nodes hold which image needs to read Nodes (a ClusterRole); without it workloads schedule anywhere.
    await this.#nodes.start();
  }

  async start(spec: WorkloadSpec, signal?: AbortSignal): Promise<WorkloadHandle> {
    signal?.throwIfAborted();
    const installation = spec.labels.installation;
    const files: LogFiles = { path: spec.logPath, ...(spec.errLogPath !== undefined ? { errPath: spec.errLogPath } : {}), offset: fileSize(spec.logPath), errOffset: spec.errLogPath === undefined ? 0 : fileSize(spec.errLogPath) };
    const objects = workloadObjects(spec, { settings: this.#settings, installation, logFiles: files, imageNodes: spec.image ? this.#nodes.holding(spec.image) : [] });
    const existing = await this.#readWorkload(objects.name);
    if (existing) return this.#adopt(spec, existing, signal);
    for (const claim of objects.claims) await this.#create(() => this.#core.createNamespacedPersistentVolumeClaim({ namespace: this.namespace, body: claim }), `create volume claim ${claim.metadata!.name}`, true);
    let created: V1Job | V1Deployment;
    try {
      created =
        objects.kind === 'pod'
          ? await this.#batch.createNamespacedJob({ namespace: this.namespace, body: objects.workload as V1Job })
          : await this.#apps.createNamespacedDeployment({ namespace: this.namespace, body: objects.workload as V1Deployment });
    } catch (e) {
      if (isConflict(e)) return this.#adopt(spec, (await this.#readWorkload(objects.name)) ?? fail(e), signal);
      throw kubeError(e, `create the ${objects.kind === 'pod' ? 'Job' : 'Deployment'} of workload ${spec.id}`, this.#server);
    }
    if (objects.service) {
      const owner = ownerReference(created);
      const service = workloadService(spec, objects.name, this.namespace, spec.labels, objects.kind, owner);
      await this.#create(() => this.#core.createNamespacedService({ namespace: this.namespace, body: service }), `create the Service of workload ${spec.id}`, true);
      for (const alias of objects.aliases) {
        const body = { ...alias, metadata: { ...alias.metadata, ownerReferences: [owner] } };
        await this.#create(() => this.#core.createNamespacedService({ namespace: this.namespace, body }), `create Service ${alias.metadata!.name} for workload ${spec.id}`, true);
      }
    }
    return this.#whenStarted(spec, created, files, false, signal);
  }

  async wait(handle: WorkloadHandle, signal?: AbortSignal): Promise<ExitStatus> {
    const state = kubeState(handle);
    for (;;) {
      signal?.throwIfAborted();
      const changed = this.#changes.changed(signal);
      changed.catch(() => undefined);
      const ended = await this.#ended(handle, state);
      if (ended) {
        await this.#finishLogCopy(handle, state);
        if (ended.reason?.startsWith(START_ERROR)) await noteInLog(handle.logPath, startErrorNote(ended.reason));
        return ended;
      }
      await changed;
    }
  }

  /**
   * Kubernetes delivers only the image's stop signal (SIGTERM unless STOPSIGNAL says otherwise) when a
   * pod is deleted, then SIGKILL after its grace period; SIGKILL asks for the shortest grace (1s).
   * A Deployment is first scaled to 0 so nothing replaces the pod.
   */
  async stop(handle: WorkloadHandle, opts: { signal?: string; graceMs: number }): Promise<void> {
    const state = kubeState(handle);
    const kill = /^(SIG)?KILL$|^9$/i.test(opts.signal ?? '');
    const grace = kill ? 1 : Math.max(1, Math.ceil(opts.graceMs / 1000));
    if (state.kind === 'deployment') {
      try {
        await this.#apps.patchNamespacedDeployment({ name: state.name, namespace: this.namespace, body: { spec: { replicas: 0 } } }, MERGE_PATCH);
      } catch (e) {
        if (!isNotFound(e)) throw kubeError(e, `scale workload ${handle.id} to 0`, this.#server);
      }
    }
    const live = this.#pods.of(state.name).filter((p) => podOutcome(p).state !== 'ended');
    if (live.length === 0) return;
    for (const pod of live) {
      try {
        await this.#core.deleteNamespacedPod({ name: pod.metadata!.name!, namespace: this.namespace, gracePeriodSeconds: grace });
      } catch (e) {
        if (!isNotFound(e)) throw kubeError(e, `stop workload ${handle.id}`, this.#server);
      }
    }
    const deadline = AbortSignal.timeout(grace * 1000 + STOP_SLACK_MS);
    try {
      await this.wait(handle, deadline);
    } catch (e) {
      if (!deadline.aborted) throw e;
      throw new BerthError('BERTH_E_DRIVER_TIMEOUT', `workload ${handle.id}: the cluster did not report its pod gone ${grace + STOP_SLACK_MS / 1000}s after the stop`, { details: { id: handle.id } });
    }
  }

  async *logs(handle: WorkloadHandle, opts: LogOptions = {}): AsyncGenerator<LogChunk> {
    const pod = this.#pods.of(kubeState(handle).name)[0];
    if (!pod) {
      // The pod is gone: the copy in the log file is all there is.
      const data = await readFile(handle.logPath, 'utf8').catch(() => '');
      if (data) yield { data };
      return;
    }
    const decoder = new TextDecoder();
    try {
      for await (const chunk of podLogStream(this.#kubeConfig, this.namespace, pod.metadata!.name!, { follow: opts.follow ?? false, signal: opts.signal })) {
        const data = decoder.decode(chunk, { stream: true });
        if (data) yield { data };
      }
    } catch (e) {
      if (!isNotFound(e)) throw kubeError(e, `read the log of workload ${handle.id}`, this.#server);
      const data = await readFile(handle.logPath, 'utf8').catch(() => '');
      if (data) yield { data };
      return;
    }
    const rest = decoder.decode();
    if (rest) yield { data: rest };
    // A command the runtime could not start printed nothing: the reason is the log (as wait writes it to the file).
    if (opts.signal?.aborted) return;
    const outcome = podOutcome(this.#pods.of(kubeState(handle).name)[0] ?? pod);
    if (outcome.state === 'ended' && outcome.exit.reason?.startsWith(START_ERROR)) yield { data: startErrorNote(outcome.exit.reason) };
  }

  async exec(handle: WorkloadHandle, argv: string[], opts: ExecOptions = {}): Promise<ExecResult> {
    const pod = this.#pods.of(kubeState(handle).name).find((p) => podOutcome(p).state === 'running');
    if (!pod) throw new BerthError('BERTH_E_DRIVER', `workload ${handle.id} is not running: cannot exec in it`, { details: { id: handle.id } });
    try {
      return await podExec(this.#kubeConfig, this.namespace, pod.metadata!.name!, argv, opts);
    } catch (e) {
      throw kubeError(e, `exec in workload ${handle.id}`, this.#server);
    }
  }

  async list(owner: OwnerLabels): Promise<WorkloadHandle[]> {
    const labelSelector = ownerSelector(owner);
    try {
      const [jobs, deployments] = await Promise.all([
        this.#batch.listNamespacedJob({ namespace: this.namespace, labelSelector }),
        this.#apps.listNamespacedDeployment({ namespace: this.namespace, labelSelector }),
      ]);
      return [...jobs.items, ...deployments.items].filter((w) => !w.metadata?.deletionTimestamp).map((w) => toHandle(w)).filter((h): h is WorkloadHandle => h !== null);
    } catch (e) {
      throw kubeError(e, 'list workloads', this.#server);
    }
  }

  async isRunning(handle: WorkloadHandle): Promise<boolean> {
    return this.#pods.of(kubeState(handle).name).some((p) => podOutcome(p).state === 'running' && !p.metadata?.deletionTimestamp);
  }

  async remove(handle: WorkloadHandle): Promise<void> {
    const state = kubeState(handle);
    if (await this.isRunning(handle)) await this.stop(handle, { graceMs: REMOVE_GRACE_MS });
    const options = { name: state.name, namespace: this.namespace, propagationPolicy: 'Background' };
    try {
      if (state.kind === 'pod') await this.#batch.deleteNamespacedJob(options);
      else await this.#apps.deleteNamespacedDeployment(options);
    } catch (e) {
      if (!isNotFound(e)) throw kubeError(e, `remove workload ${handle.id}`, this.#server);
    }
    // Its owner reference removes the Service too; this is for a Service whose owner was never set.
    await this.#core.deleteNamespacedService({ name: state.name, namespace: this.namespace }).catch(() => undefined);
    this.#followed.delete(state.name);
    this.#copied.delete(handle.id);
    const copy = this.#logCopies.get(handle.id);
    if (copy) {
      copy.abort.abort();
      await copy.done;
      this.#logCopies.delete(handle.id);
    }
    this.#pods.forget(state.name);
    this.#deployments.forget(state.name);
  }

  /** Runs a builder Job (builderJob) to its end, its pod's log into `logPath`; the Job is removed after. */
  async runBuildJob(job: V1Job, opts: { logPath: string; onLine?: (line: string) => void; signal?: AbortSignal }): Promise<BuildJobResult> {
    await this.init(opts.signal);
    try {
      return await runBuildJob({ kubeConfig: this.#kubeConfig, batch: this.#batch, pods: this.#pods, changes: this.#changes, namespace: this.namespace }, job, opts);
    } catch (e) {
      if (e instanceof BerthError) throw e;
      throw kubeError(e, `run builder Job ${job.metadata?.name}`, this.#server);
    }
  }

  /** Stops watching and copying; workloads run on, and a later wait copies their logs again. */
  async destroy(): Promise<void> {
    await Promise.all(this.#abandoned);
    this.#followed.clear();
    const copies = [...this.#logCopies.values()];
    for (const copy of copies) copy.abort.abort();
    await Promise.all(copies.map((c) => c.done));
    await this.#pods.stop();
    await this.#deployments.stop();
    await this.#nodes.stop();
  }

  /** The pod's end, or null while it has not ended. Reads the workload object only when no pod says. */
  async #ended(handle: WorkloadHandle, state: KubeState): Promise<ExitStatus | null> {
    const pods = this.#pods.of(state.name);
    if (state.kind === 'deployment') {
      const workload = await this.#deployment(state.name);
      if (workload && wantedReplicas(workload) > 0) return null;
      if (pods.some((p) => podOutcome(p).state !== 'ended')) return null;
      const last = pods[0] ?? this.#pods.deleted(state.name);
      const exit = last ? lastExit(last) : null;
      return exit ?? recordedExit(workload) ?? { code: null, signal: null, reason: workload ? 'stopped' : `workload vanished: ${state.name} was removed before its end was recorded` };
    }
    const pod = pods[0];
    if (pod) {
      const outcome = podOutcome(pod);
      if (outcome.state !== 'ended') return null;
      await this.#recordExit(state, outcome.exit);
      return outcome.exit;
    }
    const deleted = this.#pods.deleted(state.name);
    if (deleted) {
      const outcome = podOutcome(deleted, true) as Extract<PodOutcome, { state: 'ended' }>;
      await this.#recordExit(state, outcome.exit);
      return outcome.exit;
    }
    const job = (await this.#readWorkload(state.name)) as V1Job | null;
    if (!job) return { code: null, signal: null, reason: `workload vanished: Job ${state.name} was removed before its end was recorded` };
    const recorded = recordedExit(job);
    if (recorded) return recorded;
    const failed = job.status?.conditions?.find((c) => (c.type === 'Failed' || c.type === 'Complete') && c.status === 'True');
    if (failed) return { code: failed.type === 'Complete' ? 0 : null, signal: null, reason: failed.type === 'Complete' ? undefined : `${failed.reason ?? 'Failed'}: ${failed.message ?? ''}`.replace(/: $/, '') };
    return null;
  }

  /** Writes the exit on the Job, so a Berth started later (after the pod is gone) still knows it. */
  async #recordExit(state: KubeState, exit: ExitStatus): Promise<void> {
    await this.#batch
      .patchNamespacedJob({ name: state.name, namespace: this.namespace, body: { metadata: { annotations: { [EXIT_ANNOTATION]: JSON.stringify(exit) } } } }, MERGE_PATCH)
      .catch(() => undefined);
  }

  async #adopt(spec: WorkloadSpec, existing: V1Job | V1Deployment, signal?: AbortSignal): Promise<WorkloadHandle> {
    const parsed = parseWorkloadAnnotations(existing.metadata?.annotations);
    if (parsed?.id !== spec.id) {
      throw new BerthError('BERTH_E_DRIVER', `a ${existing.kind} named ${existing.metadata?.name} exists in namespace ${this.namespace} but is not workload ${spec.id}`, {
        problems: [{ path: 'id', message: 'name taken', fix: `remove it: kubectl -n ${this.namespace} delete ${existing.kind?.toLowerCase()} ${existing.metadata?.name}` }],
      });
    }
    // The log files are the spec's (Berth's own); only the offsets come from the cluster.
    const files: LogFiles = { path: spec.logPath, ...(spec.errLogPath !== undefined ? { errPath: spec.errLogPath } : {}), offset: parsed.files.offset, errOffset: parsed.files.errOffset };
    return this.#whenStarted(spec, existing, files, true, signal);
  }

  /** Waits until the pod runs (or already ended); a pod that cannot start fails the start and is removed. */
  async #whenStarted(spec: WorkloadSpec, workload: V1Job | V1Deployment, files: LogFiles, adopted: boolean, signal?: AbortSignal): Promise<WorkloadHandle> {
    const handle = toHandle(workload) ?? fail(new Error(`workload ${spec.id} has no Berth annotations`));
    const state = kubeState(handle);
    for (;;) {
      const changed = this.#changes.changed(signal);
      changed.catch(() => undefined);
      const pod = this.#pods.of(state.name)[0];
      const outcome = pod ? podOutcome(pod) : this.#pods.deleted(state.name) ? podOutcome(this.#pods.deleted(state.name)!, true) : null;
      if (outcome?.state === 'stuck') {
        await this.remove(handle).catch(() => undefined);
        throw stuckError(spec, outcome);
      }
      const refused = !pod && state.kind === 'deployment' ? this.#deployments.of(state.name).map(deploymentFailure)[0] : null;
      if (refused) {
        await this.remove(handle).catch(() => undefined);
        throw refusedError(spec, state.name, this.namespace, refused);
      }
      if (outcome?.state === 'running' || outcome?.state === 'ended') {
        if (pod) this.#copyLog(handle, pod, files, adopted);
        return handle;
      }
      if (!pod && adopted && (await this.#ended(handle, state))) return handle;
      try {
        await changed;
      } catch (e) {
        if (!adopted) this.#abandon(handle, spec, outcome?.state === 'pending' ? outcome.reason : undefined);
        throw e;
      }
    }
  }

  /**
   * A start that gave up (its caller's limit) before the pod ran: the workload is removed — left
   * behind, a pending pod could be scheduled later and run work Berth has already failed — and its
   * log says why it did not start. destroy() waits for the removal.
   */
  #abandon(handle: WorkloadHandle, spec: WorkloadSpec, pending: string | undefined): void {
    const why = pending ? `: its pod is pending (${pending})` : '';
    const removal = Promise.all([this.remove(handle).catch(() => undefined), noteInLog(spec.logPath, `berth: the workload did not start in time${why}; it was removed\n`)]).then(() => undefined);
    this.#abandoned.add(removal);
    void removal.finally(() => this.#abandoned.delete(removal));
  }

  #copyLog(handle: WorkloadHandle, pod: V1Pod, files: LogFiles, rewrite: boolean): void {
    if (kubeState(handle).kind === 'deployment') this.#followed.set(kubeState(handle).name, { handle, files });
    const previous = this.#logCopies.get(handle.id);
    const container = containerKey(pod);
    if (previous && (previous.container === container || kubeState(handle).kind === 'pod')) return;
    const abort = new AbortController();
    // A restarted container's output goes after the one before it (which has ended: its stream is closing).
    const done = (previous?.done ?? Promise.resolve())
      .then(() => (abort.signal.aborted ? undefined : copyPodLog(this.#kubeConfig, this.namespace, pod.metadata!.name!, files, { follow: true, rewrite: rewrite && !previous, signal: abort.signal })))
      .catch(() => undefined);
    previous?.abort.signal.addEventListener('abort', () => abort.abort(), { once: true });
    this.#logCopies.set(handle.id, { done, abort, container });
  }

  /** A followed Deployment's container (re)started: copy its output too. */
  #followRestart(pod: V1Pod): void {
    const followed = this.#followed.get(pod.metadata?.labels?.[WORKLOAD_LABEL] ?? '');
    if (followed && podOutcome(pod).state === 'running' && !pod.metadata?.deletionTimestamp) this.#copyLog(followed.handle, pod, followed.files, false);
  }

  /** After the end: the log file holds the whole output (copied now when nobody copied it live). */
  async #finishLogCopy(handle: WorkloadHandle, state: KubeState): Promise<void> {
    if (this.#copied.has(handle.id)) return;
    const copy = this.#logCopies.get(handle.id);
    if (copy) {
      // The API closes a followed log when the container ends; a pod lost with its node never does.
      const drained = await Promise.race([copy.done.then(() => true), delay(LOG_DRAIN_MS, false, { ref: false })]);
      if (!drained) copy.abort.abort();
      await copy.done;
      this.#logCopies.delete(handle.id);
      this.#copied.add(handle.id);
      return;
    }
    const pod = this.#pods.of(state.name)[0];
    const workload = await this.#readWorkload(state.name);
    const recorded = parseWorkloadAnnotations(workload?.metadata?.annotations)?.files;
    const files = recorded ? { path: handle.logPath, offset: recorded.offset, errOffset: 0 } : undefined;
    if (pod && files) await copyPodLog(this.#kubeConfig, this.namespace, pod.metadata!.name!, files, { follow: false, rewrite: true }).catch(() => undefined);
    this.#copied.add(handle.id);
  }


  /** The Deployment as the watch last saw it (read from the API only before the watch has seen it), or null when it is gone. */
  async #deployment(name: string): Promise<V1Deployment | null> {
    const seen = this.#deployments.of(name)[0];
    if (seen) return seen;
    if (this.#deployments.deleted(name)) return null;
    return (await this.#readWorkload(name)) as V1Deployment | null;
  }

  async #readWorkload(name: string): Promise<V1Job | V1Deployment | null> {
    for (const read of [() => this.#batch.readNamespacedJob({ name, namespace: this.namespace }), () => this.#apps.readNamespacedDeployment({ name, namespace: this.namespace })]) {
      try {
        const found = await read();
        if (!found.metadata?.deletionTimestamp) return found;
      } catch (e) {
        if (!isNotFound(e)) throw kubeError(e, `look up workload ${name}`, this.#server);
      }
    }
    return null;
  }

  async #create(call: () => Promise<unknown>, what: string, existingIsFine: boolean): Promise<void> {
    try {
      await call();
    } catch (e) {
      if (existingIsFine && isConflict(e)) return;
      throw kubeError(e, what, this.#server);
    }
  }
}

/** Which container a log stream belongs to: the pod, and how often its container restarted. */
function containerKey(pod: V1Pod): string {
  return `${pod.metadata?.name ?? ''}#${pod.status?.containerStatuses?.[0]?.restartCount ?? 0}`;
}

/** The line a workload's log gets when its command could not be started. */
function startErrorNote(reason: string): string {
  return `berth: ${reason}\n`;
}

/** Appends a line the container could not write itself (once: a second wait finds it there). */
async function noteInLog(path: string, line: string): Promise<void> {
  if (!path) return;
  const text = await readFile(path, 'utf8').catch(() => '');
  if (!text.endsWith(line)) await appendFile(path, line).catch(() => undefined);
}

function fileSize(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}

function fail(e: unknown): never {
  throw e;
}

