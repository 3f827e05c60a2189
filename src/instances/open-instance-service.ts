import { userInfo } from 'node:os';
import type { BerthConfig } from '../config/config.ts';
import { RuntimeRegistry } from '../runtimes/runtime-registry.ts';
import { openInstanceStore } from '../store/open-instance-store.ts';
import { InstanceService } from './instance-service.ts';

/**
 * The instance service alone, for the `berth instance` commands: the store and the runtimes,
 * without the pipeline engine (its imports and its start-up work: run reconcile, telemetry, secrets)
 * and, on SQLite, without Kysely (openInstanceStore). Same service, user and runtimes as `Engine.instances`.
 */
export async function openInstanceService(config: BerthConfig): Promise<{ instances: InstanceService; close: () => Promise<void> }> {
  const store = await openInstanceStore(config.database);
  const runtimes = new RuntimeRegistry(config);
  const user = userInfo();
  const instances = new InstanceService({ repo: store.repo, config, user: { name: user.username, uid: user.uid, admin: user.uid === 0 }, runtimes });
  return {
    instances,
    close: async () => {
      await instances.close();
      await runtimes.close();
      await store.close();
    },
  };
}
