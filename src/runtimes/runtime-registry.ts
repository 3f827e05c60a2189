import type Docker from 'dockerode';
import { RUNTIMES, type BerthConfig, type RuntimeName } from '../config/config.ts';
import { BerthError } from '../errors.ts';
import type { RuntimeDriver } from './driver.ts';
import type { ImageBuilder } from './image-builder.ts';
import { ManagedDriver } from './managed-driver.ts';
import type { ProcessDriver } from './process/process-driver.ts';

/** What Berth knows of one runtime: how to open its driver and, for image-based runtimes, how to build images with it. */
export interface RuntimeEntry {
  driver(config: BerthConfig): Promise<RuntimeDriver>;
  /** Builds environment images with this runtime's engine (absent: the runtime runs host commands). */
  imageBuilder?(driver: RuntimeDriver, config: BerthConfig): Promise<ImageBuilder>;
}

/**
 * The runtimes this build has: the one place that constructs drivers. A new runtime is its name in
 * config's RUNTIMES plus one entry here (the type makes both agree). Docker's modules load only when
 * asked for (dockerode is slow to import).
 */
const ENTRIES: Record<RuntimeName, RuntimeEntry> = {
  // Imported when opened, like the others: `instance list` and `stop` mostly need no driver.
  process: {
    driver: async (config) => {
      const [{ findPython, settleDirectInterpreter }, { WorkloadUser }, { liveStateDirs }] = await Promise.all([
        import('./process/find-python.ts'),
        import('./process/workload-user.ts'),
        import('./process/live-state-dir.ts'),
      ]);
      const ProcessDriver = await processDriverClass();
      const python = config.processLauncher === 'auto' ? findPython(config.baseEnv.PATH) : undefined;
      // Workloads dropped to the workload user run the mount helper as that user: it must be able to run it.
      const mountPython = findPython(config.baseEnv.PATH, { forOtherUsers: config.hostWorkloads === 'workload-user' });
      // A pyenv shim's interpreter, found without running the shim where pyenv's rules are plain.
      for (const p of [python, mountPython]) settleDirectInterpreter(p, config.baseEnv, process.cwd());
      const live = liveStateDirs({ home: config.home, runtimeDir: config.runtimeDir });
      return new ProcessDriver({
        stateDir: live.dir,
        ...(live.legacy !== undefined ? { legacyStateDir: live.legacy } : {}),
        python,
        mountPython,
        ...(config.hostWorkloads === 'workload-user' ? { user: new WorkloadUser({ name: config.workloadUser, home: config.home }), sharedPaths: [config.dataDir] } : {}),
      });
    },
  },
  docker: {
    driver: async (config) => {
      const { DockerDriver } = await import('./docker/docker-driver.ts');
      return new DockerDriver({ connection: config.docker });
    },
    imageBuilder: async (driver, config) => {
      const [{ DockerDriver }, { DockerImageBuilder }] = await Promise.all([import('./docker/docker-driver.ts'), import('./docker/docker-image-builder.ts')]);
      if (!(driver instanceof DockerDriver)) throw new Error('the docker image builder needs the docker driver');
      return new DockerImageBuilder(driver.client, config.docker.address);
    },
  },
  // Environment images: builder Jobs on the cluster with BERTH_KUBE_REGISTRY (StepRuntimes asks only then), else the docker runtime's builder.
  kubernetes: {
    driver: async (config) => {
      const [{ KubernetesDriver }, { loadKubeConfig }] = await Promise.all([import('./kubernetes/kubernetes-driver.ts'), import('./kubernetes/kube-config-loader.ts')]);
      return new KubernetesDriver({ kubeConfig: loadKubeConfig(config.kubernetes.kubeconfig), settings: config.kubernetes.settings });
    },
    imageBuilder: async (driver, config) => {
      const [{ KubernetesDriver }, { KubeImageBuilder }] = await Promise.all([import('./kubernetes/kubernetes-driver.ts'), import('./kubernetes/kube-image-builder.ts')]);
      const { settings } = config.kubernetes;
      if (!(driver instanceof KubernetesDriver)) throw new Error('the kubernetes image builder needs the kubernetes driver');
      if (!settings.build) throw new BerthError('BERTH_E_CONFIG', 'environment images on a cluster need a registry to push to', { problems: [{ path: 'BERTH_KUBE_REGISTRY', message: 'not set', fix: 'e.g. BERTH_KUBE_REGISTRY=registry.example.com/team' }] });
      return new KubeImageBuilder(driver, { settings, build: settings.build, home: config.home, installation: config.home });
    },
  },
};

let loadedProcessDriver: typeof ProcessDriver | undefined;
async function processDriverClass(): Promise<typeof ProcessDriver> {
  loadedProcessDriver ??= (await import('./process/process-driver.ts')).ProcessDriver;
  return loadedProcessDriver;
}

/** The runtime names this build has. */
export function runtimeNames(): RuntimeName[] {
  return [...RUNTIMES];
}

/** The name checked against this build's runtimes; BERTH_E_RUNTIME_UNSUPPORTED naming `field` otherwise. */
export function checkRuntimeName(name: string, field = '--runtime'): RuntimeName {
  if ((RUNTIMES as readonly string[]).includes(name)) return name as RuntimeName;
  throw new BerthError('BERTH_E_RUNTIME_UNSUPPORTED', `runtime "${name}" is not available in this build (${field})`, {
    problems: [{ path: field, message: `unknown runtime "${name}"`, fix: `use one of: ${RUNTIMES.join(', ')}` }],
  });
}

/**
 * One shared set of drivers per Berth process: runs, sessions, services and instances all get their
 * driver here, so one reconcile sees every workload and each engine connection is opened once.
 * Drivers open lazily, at most once, behind ManagedDriver (timeouts, coded errors, the installation
 * label). close() destroys every driver opened.
 */
export class RuntimeRegistry {
  readonly #config: BerthConfig;
  readonly #raw = new Map<RuntimeName, Promise<RuntimeDriver>>();
  readonly #managed = new Map<RuntimeName, Promise<ManagedDriver>>();
  readonly #builders = new Map<RuntimeName, Promise<ImageBuilder>>();
  /** Raw drivers once open (synchronous access for capability questions). */
  readonly #opened = new Map<RuntimeName, RuntimeDriver>();

  constructor(config: BerthConfig) {
    this.#config = config;
  }

  /** The named runtime's shared driver. Throws BERTH_E_RUNTIME_UNSUPPORTED (naming `field`) for a name this build lacks. */
  driver(name: string, field = '--runtime'): Promise<ManagedDriver> {
    const runtime = checkRuntimeName(name, field);
    let managed = this.#managed.get(runtime);
    if (!managed) {
      managed = this.#rawDriver(runtime).then((d) => new ManagedDriver(d, { installation: this.#config.home }));
      this.#managed.set(runtime, managed);
    }
    return managed;
  }

  /** The image builder of an image-based runtime (default: docker), sharing that runtime's connection. */
  imageBuilder(name: RuntimeName = 'docker'): Promise<ImageBuilder> {
    let builder = this.#builders.get(name);
    if (!builder) {
      const entry = ENTRIES[name];
      if (!entry.imageBuilder) throw new BerthError('BERTH_E_RUNTIME_UNSUPPORTED', `the ${name} runtime builds no images`);
      const make = entry.imageBuilder;
      builder = this.#rawDriver(name).then((d) => make(d, this.#config));
      this.#builders.set(name, builder);
    }
    return builder;
  }

  /**
   * Host runtimes: whether workloads can have bind mounts (/data, /project-dir) in a mount namespace
   * of their own, and if not why. Asks the opened driver; a runtime not opened yet says not yet.
   */
  mountSupport(name: RuntimeName): { ok: true } | { ok: false; reason: string } {
    if (this.#config.processMounts === 'off') return { ok: false, reason: 'BERTH_PROCESS_MOUNTS=off' };
    const raw = this.#opened.get(name);
    // An opened process driver means its class is loaded.
    return loadedProcessDriver && raw instanceof loadedProcessDriver ? raw.mountSupport() : { ok: false, reason: `the ${name} runtime has no host mount namespaces` };
  }

  /** The process runtime's raw driver (interactive commands: environment shells). */
  async processDriver(): Promise<ProcessDriver> {
    await this.driver('process');
    const raw = await this.#rawDriver('process');
    if (!(raw instanceof (await processDriverClass()))) throw new Error('the process runtime has no process driver');
    return raw;
  }

  /** The Docker runtime's dockerode client (interactive containers: environment shells). */
  async dockerClient(): Promise<Docker> {
    await this.driver('docker');
    const raw = await this.#rawDriver('docker');
    const { DockerDriver } = await import('./docker/docker-driver.ts');
    if (!(raw instanceof DockerDriver)) throw new Error('the docker runtime has no docker driver');
    return raw.client;
  }

  /** Drivers opened so far (what reconcile sweeps). */
  async opened(): Promise<ManagedDriver[]> {
    const settled = await Promise.allSettled(this.#managed.values());
    return settled.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
  }

  /** Destroys every driver opened (once each). */
  async close(): Promise<void> {
    await Promise.all((await this.opened()).map((d) => d.destroy()));
  }

  #rawDriver(name: RuntimeName): Promise<RuntimeDriver> {
    let raw = this.#raw.get(name);
    if (!raw) {
      raw = ENTRIES[name].driver(this.#config);
      this.#raw.set(name, raw);
      raw.then((d) => this.#opened.set(name, d), () => undefined);
      // A driver that failed to open (e.g. a bad DOCKER_HOST) is tried again by the next caller.
      raw.catch(() => {
        if (this.#raw.get(name) === raw) {
          this.#raw.delete(name);
          this.#managed.delete(name);
          this.#builders.delete(name);
        }
      });
    }
    return raw;
  }
}
