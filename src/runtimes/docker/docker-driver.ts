import { appendFileSync, mkdirSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import Docker from 'dockerode';
import type { DockerConnection } from '../../config/config.ts';
import { BerthError } from '../../errors.ts';
import type {
  DriverCapabilities,
  ExecOptions,
  ExecResult,
  ExitStatus,
  LogChunk,
  LogOptions,
  OwnerLabels,
  RuntimeDriver,
  WorkloadHandle,
  RestartPolicyName,
  WorkloadHealth,
  WorkloadSpec,
  WorkloadStats,
} from '../driver.ts';
import { parseSignal } from '../process/parse-signal.ts';
import { containerLogStream, copyContainerLog } from './container-log-stream.ts';
import { toWorkloadStats } from './container-stats.ts';
import { containerName } from './container-name.ts';
import { makeContainerOptions, restartPolicy } from './container-options.ts';
import { execAttached } from './exec-attached.ts';
import { execInContainer } from './exec-in-container.ts';
import { pullImage } from './pull-image.ts';
import { imageNotFound, isNotFound, isUnreachable, portInUse, statusCodeOf, unreachable } from './docker-errors.ts';
import { containerIp, dockerState, inspectFacts, toDockerHandle } from './docker-handle.ts';
import { MANAGED_LABEL, ownerFilter, ownerLabels, parseLogFiles, type LogFiles } from './docker-labels.ts';

const REMOVE_GRACE_MS = 2000;

/** A live copy of a container's log into its workload's log file, made by this driver instance. */
interface LogCopy {
  done: Promise<void>;
  abort: AbortController;
}

/**
 * Runs workloads as containers on a Docker Engine API (Docker, or Podman's compatible socket).
 * Everything needed to adopt a workload lives on the engine, in the container's labels and name,
 * so a restarted Berth finds, waits for, stops and removes the containers of the one before it.
 * Logs: the engine keeps them; this driver copies them into the workload's log file as they come.
 */
export class DockerDriver implements RuntimeDriver {
  readonly name = 'docker';
  readonly capabilities: DriverCapabilities = { isolation: true, ports: true, volumes: true, exec: true, stats: true, restart: true };
  readonly #docker: Docker;
  readonly #address: string;
  readonly #logCopies = new Map<string, LogCopy>();

  constructor(opts: { connection: DockerConnection }) {
    const { socketPath, host, port, protocol } = opts.connection;
    this.#docker = new Docker(socketPath ? { socketPath } : { host, port, protocol });
    this.#address = opts.connection.address;
  }

  /** The dockerode client, for the image builder that shares this connection. */
  get client(): Docker {
    return this.#docker;
  }

  async init(signal?: AbortSignal): Promise<void> {
    try {
      // dockerode takes options here too; its types only know the callback form.
      await (this.#docker.ping as (opts: { abortSignal?: AbortSignal }) => Promise<unknown>).call(this.#docker, { abortSignal: signal });
    } catch (e) {
      if (signal?.aborted) throw e;
      throw unreachable(this.#address, e);
    }
  }

  async start(spec: WorkloadSpec, signal?: AbortSignal): Promise<WorkloadHandle> {
    signal?.throwIfAborted();
    const name = containerName(spec.id, spec.labels.installation);
    const options = makeContainerOptions(spec, name, { offset: fileSize(spec.logPath), errOffset: spec.errLogPath === undefined ? 0 : fileSize(spec.errLogPath) });
    const existing = await this.#inspect(name);
    if (existing) return this.#adopt(spec, existing);
    if (spec.network) await this.#ensureNetwork(spec.network.name, spec.labels);
    mkdirSync(dirname(spec.logPath), { recursive: true });
    if (spec.errLogPath !== undefined) mkdirSync(dirname(spec.errLogPath), { recursive: true });
    let container: Docker.Container | undefined;
    for (let attempt = 0; container === undefined; attempt++) {
      try {
        container = await this.#docker.createContainer({ ...options, abortSignal: signal });
      } catch (e) {
        if (statusCodeOf(e) === 409) return this.#adopt(spec, (await this.#inspect(name)) ?? fail(e));
        if (!isNotFound(e)) throw this.#translate(e, `create the container of workload ${spec.id}`);
        if (attempt > 0 || !spec.image) throw imageNotFound(spec.image ?? '', e);
        // A missing image is pulled (its progress into the workload's log), then the container is created again.
        await pullImage(this.#docker, this.#address, spec.image, (line) => appendFileSync(spec.logPath, `[berth] ${line}\n`));
      }
    }
    return this.#startCreated(spec, container);
  }

  async wait(handle: WorkloadHandle, signal?: AbortSignal): Promise<ExitStatus> {
    const { container } = dockerState(handle);
    let code: number;
    try {
      code = (await this.#docker.getContainer(container).wait({ abortSignal: signal })).StatusCode;
    } catch (e) {
      if (signal?.aborted) throw signal.reason;
      if (!isNotFound(e)) throw e;
      return { code: null, signal: null, reason: `workload vanished: container ${handle.state.name} was removed before its end was recorded` };
    }
    await this.#finishLogCopy(handle, container);
    return { code, signal: null };
  }

  async stop(handle: WorkloadHandle, opts: { signal?: string; graceMs: number }): Promise<void> {
    const signal = parseSignal(opts.signal);
    const container = this.#docker.getContainer(dockerState(handle).container);
    if (!(await this.#kill(container, signal))) return;
    const graceOver = new AbortController();
    const ended = await Promise.race([
      container.wait({ abortSignal: graceOver.signal }).then(() => true, () => true),
      delay(opts.graceMs, false, { signal: graceOver.signal }).catch(() => false),
    ]);
    graceOver.abort();
    if (ended) return;
    if (await this.#kill(container, 'SIGKILL')) await container.wait().catch(() => undefined);
  }

  async *logs(handle: WorkloadHandle, opts: LogOptions = {}): AsyncGenerator<LogChunk> {
    const container = this.#docker.getContainer(dockerState(handle).container);
    const decoder = new TextDecoder();
    try {
      for await (const chunk of containerLogStream(this.#docker, container, { follow: opts.follow ?? false, signal: opts.signal })) {
        const data = decoder.decode(chunk, { stream: true });
        if (data) yield { data };
      }
    } catch (e) {
      if (!isNotFound(e)) throw e;
      // Removed: the copy in the log file is all there is.
      const data = await readFile(handle.logPath, 'utf8').catch(() => '');
      if (data) yield { data };
      return;
    }
    const rest = decoder.decode();
    if (rest) yield { data: rest };
  }

  async exec(handle: WorkloadHandle, argv: string[], opts: ExecOptions = {}): Promise<ExecResult> {
    const container = this.#docker.getContainer(dockerState(handle).container);
    try {
      return await (opts.attach ? execAttached : execInContainer)(this.#docker, container, argv, opts);
    } catch (e) {
      if (isNotFound(e)) {
        throw new BerthError('BERTH_E_WORKLOAD_NOT_FOUND', `workload ${handle.id}: container ${handle.state.name} no longer exists (removed?)`, { details: { id: handle.id } });
      }
      if (statusCodeOf(e) === 409) throw new BerthError('BERTH_E_DRIVER', `workload ${handle.id} is not running: cannot exec in it`, { details: { id: handle.id } });
      throw e;
    }
  }

  async list(owner: OwnerLabels): Promise<WorkloadHandle[]> {
    const found = await this.#docker.listContainers({ all: true, filters: { label: ownerFilter(owner) } });
    const handles: WorkloadHandle[] = [];
    for (const c of found) {
      const ports = (c.Ports ?? []).filter((p) => p.PublicPort).map((p) => ({ containerPort: p.PrivatePort, hostPort: p.PublicPort }));
      const handle = toDockerHandle({ id: c.Id, name: c.Names?.[0] ?? c.Id, labels: c.Labels, ports, ip: containerIp(c.NetworkSettings) });
      if (handle) handles.push(handle);
    }
    return handles;
  }

  async isRunning(handle: WorkloadHandle): Promise<boolean> {
    try {
      return (await this.#docker.getContainer(dockerState(handle).container).inspect()).State.Running;
    } catch (e) {
      if (isNotFound(e)) return false;
      throw e;
    }
  }

  /** One sample of the Engine's stats API (one-shot: no second sample for a CPU percentage, which callers compute). */
  async stats(handle: WorkloadHandle): Promise<WorkloadStats> {
    const container = this.#docker.getContainer(dockerState(handle).container);
    try {
      const [sample, info] = await Promise.all([container.stats({ stream: false, 'one-shot': true }), container.inspect()]);
      return toWorkloadStats(sample, info.HostConfig);
    } catch (e) {
      if (isNotFound(e)) throw new BerthError('BERTH_E_WORKLOAD_NOT_FOUND', `workload ${handle.id}: container ${handle.state.name} no longer exists (removed?)`, { details: { id: handle.id } });
      throw this.#translate(e, `read the stats of workload ${handle.id}`);
    }
  }

  async setRestartPolicy(handle: WorkloadHandle, policy: RestartPolicyName): Promise<void> {
    await this.#docker.getContainer(dockerState(handle).container).update({ RestartPolicy: restartPolicy(policy) });
  }

  async health(handle: WorkloadHandle): Promise<WorkloadHealth> {
    try {
      const status = (await this.#docker.getContainer(dockerState(handle).container).inspect()).State.Health?.Status;
      return status === 'healthy' || status === 'unhealthy' || status === 'starting' ? status : 'none';
    } catch (e) {
      if (isNotFound(e)) return 'unhealthy';
      throw e;
    }
  }

  async remove(handle: WorkloadHandle): Promise<void> {
    const container = this.#docker.getContainer(dockerState(handle).container);
    const info = await container.inspect().catch(() => undefined);
    if (info?.State.Running) await this.stop(handle, { graceMs: REMOVE_GRACE_MS });
    const network = info?.HostConfig.NetworkMode;
    try {
      await container.remove({ force: true });
    } catch (e) {
      // 404: already gone; 409: a removal is already in progress.
      if (!isNotFound(e) && statusCodeOf(e) !== 409) throw e;
    }
    const copy = this.#logCopies.get(handle.id);
    if (copy) {
      copy.abort.abort();
      await copy.done;
    }
    if (network) await this.#removeNetworkIfUnused(network);
  }

  /** Ends this instance's live log copies; containers run on, and a later wait re-copies their logs. */
  async destroy(): Promise<void> {
    const copies = [...this.#logCopies.values()];
    for (const copy of copies) copy.abort.abort();
    await Promise.all(copies.map((c) => c.done));
  }

  /** Starts the container if it never started (a Berth that died between create and start) and copies its log. */
  async #adopt(spec: WorkloadSpec, info: Docker.ContainerInspectInfo): Promise<WorkloadHandle> {
    const handle = toDockerHandle(inspectFacts(info));
    if (handle?.id !== spec.id) {
      throw new BerthError('BERTH_E_DRIVER', `a container named ${info.Name} exists but is not workload ${spec.id}`, {
        problems: [{ path: 'id', message: 'container name taken', fix: `remove it: docker rm -f ${info.Name.replace(/^\//, '')}` }],
      });
    }
    if (info.State.Status !== 'created') {
      // Its output so far may be half-copied by the Berth that started it: copy it again, whole.
      this.#copyLog(handle, parseLogFiles(info.Config.Labels), true);
      return handle;
    }
    return this.#startCreated(spec, this.#docker.getContainer(info.Id));
  }

  async #startCreated(spec: WorkloadSpec, container: Docker.Container): Promise<WorkloadHandle> {
    try {
      await container.start();
    } catch (e) {
      // 304: another start won the race.
      if (statusCodeOf(e) !== 304) {
        await container.remove({ force: true }).catch(() => undefined);
        throw portInUse(e, spec.ports ?? []) ?? this.#translate(e, `start the container of workload ${spec.id}`);
      }
    }
    const started = await container.inspect();
    const ready = toDockerHandle(inspectFacts(started))!;
    this.#copyLog(ready, parseLogFiles(started.Config.Labels), false);
    return ready;
  }

  /** Copies the container's output into its log files live; `rewrite` replaces what an earlier copy left there. */
  #copyLog(handle: WorkloadHandle, files: LogFiles, rewrite: boolean): void {
    if (this.#logCopies.has(handle.id)) return;
    const abort = new AbortController();
    const container = this.#docker.getContainer(dockerState(handle).container);
    const done = copyContainerLog(this.#docker, container, files, { follow: true, signal: abort.signal, rewrite }).catch(() => undefined);
    this.#logCopies.set(handle.id, { done, abort });
  }

  /** After the container ended: the log files hold its whole output (copied now when nobody copied it live). */
  async #finishLogCopy(handle: WorkloadHandle, id: string): Promise<void> {
    const copy = this.#logCopies.get(handle.id);
    if (copy) {
      await copy.done;
      this.#logCopies.delete(handle.id);
      return;
    }
    const container = this.#docker.getContainer(id);
    const info = await container.inspect().catch(() => null);
    const files = info ? parseLogFiles(info.Config.Labels) : { path: handle.logPath, offset: 0, errOffset: 0 };
    await copyContainerLog(this.#docker, container, files, { follow: false, rewrite: true }).catch(() => undefined);
  }

  async #inspect(name: string): Promise<Docker.ContainerInspectInfo | null> {
    try {
      return await this.#docker.getContainer(name).inspect();
    } catch (e) {
      if (isNotFound(e)) return null;
      throw this.#translate(e, `look up container ${name}`);
    }
  }

  /** Sends a signal; false when the container is not running (or gone), so there is nothing to stop. */
  async #kill(container: Docker.Container, signal: string): Promise<boolean> {
    try {
      await container.kill({ signal });
      return true;
    } catch (e) {
      if (isNotFound(e) || statusCodeOf(e) === 409) return false;
      throw e;
    }
  }

  async #ensureNetwork(name: string, owner: OwnerLabels): Promise<void> {
    const networks = await this.#docker.listNetworks({ filters: { name: [name] } });
    if (networks.some((n) => n.Name === name)) return;
    try {
      await this.#docker.createNetwork({ Name: name, CheckDuplicate: true, Labels: { [MANAGED_LABEL]: 'true', ...ownerLabels({ ...owner, step: undefined, service: undefined }) } });
    } catch (e) {
      if (statusCodeOf(e) !== 409) throw e;
    }
  }

  /** Networks Berth made go with their last container; anything else on them keeps them. */
  async #removeNetworkIfUnused(name: string): Promise<void> {
    const network = this.#docker.getNetwork(name);
    const info = (await network.inspect().catch(() => null)) as { Labels?: Record<string, string>; Containers?: Record<string, unknown> } | null;
    if (info?.Labels?.[MANAGED_LABEL] !== 'true' || Object.keys(info.Containers ?? {}).length > 0) return;
    await network.remove().catch(() => undefined);
  }

  #translate(e: unknown, what: string): unknown {
    if (isUnreachable(e)) return unreachable(this.#address, e);
    if (e instanceof BerthError) return e;
    const message = (e as { json?: { message?: string } }).json?.message ?? (e instanceof Error ? e.message : String(e));
    return new BerthError('BERTH_E_DRIVER', `could not ${what}: ${message}`, { cause: e });
  }
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
