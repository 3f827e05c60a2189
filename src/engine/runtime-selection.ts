import { join } from 'node:path';
import type { BerthConfig, RuntimeName } from '../config/config.ts';
import type { DockerDriver } from '../runtimes/docker/docker-driver.ts';
import { ManagedDriver } from '../runtimes/managed-driver.ts';
import type { BuildSlots, EnvironmentImages } from '../environments/environment-images.ts';
import { ProcessStepRuntime } from '../runs/process-step-runtime.ts';
import { ProcessEnvironments } from '../environments/process-environments.ts';
import type { ProcessDriver } from '../runtimes/process/process-driver.ts';
import type { StepRuntime } from '../runs/step-runtime.ts';
import { openDriver } from '../runtimes/runtime-drivers.ts';

/**
 * The one place that knows which driver a runtime name means. Runtimes open lazily and at most once
 * per Engine; Docker's modules load only when a command needs them (dockerode is slow to import).
 */
export class Runtimes {
  readonly #config: BerthConfig;
  readonly #open = new Map<RuntimeName, Promise<StepRuntime>>();
  #docker: Promise<DockerDriver> | undefined;
  #images: Promise<EnvironmentImages> | undefined;
  #slots: BuildSlots | undefined;

  constructor(config: BerthConfig) {
    this.#config = config;
  }

  /** Where environment builds queue and are recorded (the engine's BuildQueue). Set before images are used. */
  useBuildSlots(slots: BuildSlots): void {
    this.#slots = slots;
  }

  get(name: RuntimeName): Promise<StepRuntime> {
    let runtime = this.#open.get(name);
    if (!runtime) {
      runtime = this.#make(name);
      this.#open.set(name, runtime);
    }
    return runtime;
  }

  /** Runtimes opened so far (what reconcile sweeps). */
  opened(): Promise<StepRuntime[]> {
    return Promise.all(this.#open.values());
  }

  /** Environment images on the Docker engine (also for `berth env build` on the process runtime). */
  environmentImages(): Promise<EnvironmentImages> {
    this.#images ??= (async () => {
      const [{ DockerImageBuilder }, { EnvironmentImages }, docker] = await Promise.all([
        import('../runtimes/docker/docker-image-builder.ts'),
        import('../environments/environment-images.ts'),
        this.#dockerDriver(),
      ]);
      return new EnvironmentImages(new DockerImageBuilder(docker.client, this.#config.docker.address), join(this.#config.home, 'builds'), { slots: this.#slots, baseImages: this.#config.orchestImages });
    })();
    return this.#images;
  }

  async close(): Promise<void> {
    await Promise.all((await this.opened()).map((r) => r.driver.destroy()));
  }

  async #make(name: RuntimeName): Promise<StepRuntime> {
    const managed = { installation: this.#config.home };
    if (name === 'docker') {
      const { ContainerStepRuntime } = await import('../runs/container-step-runtime.ts');
      return new ContainerStepRuntime(this.#config, new ManagedDriver(await this.#dockerDriver(), managed), await this.environmentImages());
    }
    const driver = (await openDriver(this.#config, name)) as ProcessDriver;
    const environments = new ProcessEnvironments({ root: join(this.#config.home, 'venvs'), buildsDir: join(this.#config.home, 'builds'), baseEnv: this.#config.baseEnv, slots: this.#slots });
    return new ProcessStepRuntime(this.#config, new ManagedDriver(driver, managed), environments, () => driver.mountSupport());
  }

  #dockerDriver(): Promise<DockerDriver> {
    this.#docker ??= openDriver(this.#config, 'docker') as Promise<DockerDriver>;
    return this.#docker;
  }
}
