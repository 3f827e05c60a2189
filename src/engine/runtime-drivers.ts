import { join } from 'node:path';
import type { BerthConfig } from '../config/config.ts';
import type { RuntimeDriver } from '../drivers/driver.ts';
import { ManagedDriver } from '../drivers/managed-driver.ts';
import { findPython } from '../drivers/process/find-python.ts';
import { ProcessDriver } from '../drivers/process/process-driver.ts';
import { BerthError } from '../errors.ts';

/** The runtimes this build has, by name. A new driver is one entry here (and its name in config's RUNTIMES). */
const FACTORIES: Record<string, (config: BerthConfig) => RuntimeDriver> = {
  process: (config) =>
    new ProcessDriver({
      stateDir: join(config.home, 'workloads', 'process'),
      python: config.processLauncher === 'auto' ? findPython(config.baseEnv.PATH) : undefined,
    }),
};

export function runtimeNames(): string[] {
  return Object.keys(FACTORIES);
}

/** The named runtime behind ManagedDriver; BERTH_E_RUNTIME_UNSUPPORTED naming `field` when this build lacks it. */
export function openRuntime(config: BerthConfig, name: string, field = '--runtime'): ManagedDriver {
  const factory = FACTORIES[name];
  if (!factory) {
    throw new BerthError('BERTH_E_RUNTIME_UNSUPPORTED', `runtime "${name}" is not available in this build (${field})`, {
      problems: [{ path: field, message: `unknown runtime "${name}"`, fix: `use one of: ${runtimeNames().join(', ')}` }],
    });
  }
  return new ManagedDriver(factory(config), { installation: config.home });
}
