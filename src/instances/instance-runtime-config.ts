import { type BerthConfig, loadConfigOverriding } from '../config/config.ts';
import type { SupervisorOrder } from './supervisor-protocol.ts';

/**
 * The configuration an instance's workload is started with, by its starter (the first start) and
 * by its supervisor (restarts) alike: the process runtime's /bin/sh wrapper — one workload of the
 * caller's own user, so a warm python3 launcher buys nothing and its boot costs a Python start-up —
 * with the starter's store, data folder and stop grace.
 */
export function instanceRuntimeConfig(shared: SupervisorOrder['config']): BerthConfig {
  const launcher = { BERTH_PROCESS_LAUNCHER: 'shell' };
  return shared
    ? loadConfigOverriding({ ...launcher, BERTH_HOME: shared.home, BERTH_DATA_DIR: shared.dataDir, BERTH_STOP_GRACE_SECONDS: String(shared.stopGraceMs / 1000) })
    : loadConfigOverriding(launcher);
}
