import { join } from 'node:path';
import type { BerthConfig, RuntimeName } from '../config/config.ts';
import type { BuildSlots, EnvironmentImages } from '../environments/environment-images.ts';
import type { RuntimeRegistry } from '../runtimes/runtime-registry.ts';
import { ProcessStepRuntime } from './process-step-runtime.ts';
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
  #images: Promise<EnvironmentImages> | undefined;
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

  /** Environment images (built with the image-based runtime's builder; also for `berth env build` on the process runtime). */
  environmentImages(): Promise<EnvironmentImages> {
    this.#images ??= (async () => {
      const [{ EnvironmentImages }, builder] = await Promise.all([import('../environments/environment-images.ts'), this.#registry.imageBuilder()]);
      return new EnvironmentImages(builder, join(this.#config.home, 'builds'), { slots: this.#slots });
    })();
    return this.#images;
  }

  async #make(name: RuntimeName): Promise<StepRuntime> {
    const driver = await this.#registry.driver(name);
    if (driver.capabilities.isolation) {
      const { ContainerStepRuntime } = await import('./container-step-runtime.ts');
      return new ContainerStepRuntime(this.#config, driver, await this.environmentImages());
    }
    return new ProcessStepRuntime(this.#config, driver);
  }
}
