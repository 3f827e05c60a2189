import { join } from 'node:path';
import type { BerthConfig } from '../config/config.ts';
import type { RuntimeDriver } from './driver.ts';
import { ManagedDriver } from './managed-driver.ts';
import { findPython } from './process/find-python.ts';
import { ProcessDriver } from './process/process-driver.ts';
import { WorkloadUser } from './process/workload-user.ts';
import { BerthError } from '../errors.ts';

/**
 * The drivers this build has, by runtime name: the one place that constructs them. A new driver is
 * one entry here (and its name in config's RUNTIMES). Docker's modules load only when asked for
 * (dockerode is slow to import).
 */
const FACTORIES: Record<string, (config: BerthConfig) => Promise<RuntimeDriver>> = {
  process: async (config) =>
    new ProcessDriver({
      stateDir: join(config.home, 'workloads', 'process'),
      python: config.processLauncher === 'auto' ? findPython(config.baseEnv.PATH) : undefined,
      ...(config.hostWorkloads === 'workload-user' ? { user: new WorkloadUser({ name: config.workloadUser, home: config.home }), sharedPaths: [config.dataDir] } : {}),
    }),
  docker: async (config) => {
    const { DockerDriver } = await import('./docker/docker-driver.ts');
    return new DockerDriver({ connection: config.docker });
  },
};

export function runtimeNames(): string[] {
  return Object.keys(FACTORIES);
}

/** The named driver, unwrapped; BERTH_E_RUNTIME_UNSUPPORTED naming `field` when this build lacks it. */
export function openDriver(config: BerthConfig, name: string, field = '--runtime'): Promise<RuntimeDriver> {
  const factory = FACTORIES[name];
  if (!factory) {
    throw new BerthError('BERTH_E_RUNTIME_UNSUPPORTED', `runtime "${name}" is not available in this build (${field})`, {
      problems: [{ path: field, message: `unknown runtime "${name}"`, fix: `use one of: ${runtimeNames().join(', ')}` }],
    });
  }
  return factory(config);
}

/** The named runtime's driver behind ManagedDriver. */
export async function openRuntime(config: BerthConfig, name: string, field = '--runtime'): Promise<ManagedDriver> {
  return new ManagedDriver(await openDriver(config, name, field), { installation: config.home });
}
