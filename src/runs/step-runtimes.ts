import { join } from 'node:path';
import type { BerthConfig, RuntimeName } from '../config/config.ts';
import type { BuildSlots, EnvironmentImages } from '../environments/environment-images.ts';
import type { RuntimeRegistry } from '../runtimes/runtime-registry.ts';
import { ProcessStepRuntime } from './process-step-runtime.ts';
import { ProcessEnvironments } from '../environments/process-environments.ts';
import type { StepRuntime } from './step-runtime.ts';

/**
 * How steps run on each runtime, over the registry's shared drivers: runtimes that isolate run steps
 * from environment images (ContainerStepRuntime), the others as host commands (ProcessStepRuntime).
 * Chosen by the driver's capabilities, never its name. Each opens at most once per engine.
 */
export class StepRuntimes {
  readonly #config: BerthConfig;
  readonly #registry: RuntimeRegistry;
  readonly #open = new Map<RuntimeName, Promise<StepRuntime>>();
  readonly #images = new Map<RuntimeName, Promise<EnvironmentImages>>();
  #slots: BuildSlots | undefined;

  constructor(config: BerthConfig, registry: RuntimeRegistry) {
    this.#config = config;
    this.#registry = registry;
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
      runtime.catch(() => {
        if (this.#open.get(name) === runtime) this.#open.delete(name);
      });
    }
    return runtime;
  }

  /** Runtimes opened so far. */
  async opened(): Promise<StepRuntime[]> {
    const settled = await Promise.allSettled(this.#open.values());
    return settled.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
  }

  /**
   * Environment images for `runtime`: the kubernetes runtime with BERTH_KUBE_REGISTRY builds them on
   * the cluster (builder Jobs, pushed to the registry); every other (and `berth env build` on the
   * process runtime) uses the docker runtime's builder.
   */
  environmentImages(runtime: RuntimeName = 'docker'): Promise<EnvironmentImages> {
    const key: RuntimeName = runtime === 'kubernetes' && this.#config.kubernetes.settings.build ? 'kubernetes' : 'docker';
    let images = this.#images.get(key);
    if (!images) {
      images = (async () => {
        const [{ EnvironmentImages }, builder] = await Promise.all([import('../environments/environment-images.ts'), this.#registry.imageBuilder(key)]);
        const registry = key === 'kubernetes' ? this.#config.kubernetes.settings.build?.registry : undefined;
        return new EnvironmentImages(builder, join(this.#config.home, 'builds'), { slots: this.#slots, baseImages: this.#config.orchestImages, registry });
      })();
      this.#images.set(key, images);
      images.catch(() => this.#images.delete(key));
    }
    return images;
  }

  async #make(name: RuntimeName): Promise<StepRuntime> {
    const driver = await this.#registry.driver(name);
    if (driver.capabilities.isolation) {
      const { ContainerStepRuntime } = await import('./container-step-runtime.ts');
      return new ContainerStepRuntime(this.#config, driver, await this.environmentImages(name), name);
    }
    const environments = new ProcessEnvironments({ root: join(this.#config.home, 'venvs'), buildsDir: join(this.#config.home, 'builds'), baseEnv: this.#config.baseEnv, slots: this.#slots });
    return new ProcessStepRuntime(this.#config, driver, environments, () => this.#registry.mountSupport(name));
  }
}
