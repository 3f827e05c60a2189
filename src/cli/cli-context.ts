import type { BerthConfig } from '../config/config.ts';
import type { Engine } from '../engine/engine.ts';
import type { InstanceService } from '../instances/instance-service.ts';
import type { BerthBackend } from './backend/berth-backend.ts';

/** What every command gets: config, output streams, and a lazily opened engine. */
export interface CliContext {
  config: BerthConfig;
  out: (text: string) => void;
  err: (text: string) => void;
  /** Opens the in-process engine on first use. */
  engine: () => Promise<Engine>;
  /** The instance service on its own (no pipeline engine: `berth instance` starts faster); opened on first use. */
  instances: () => Promise<InstanceService>;
  /** What run/runs/logs/cancel/validate/token use: the server at BERTH_ENDPOINT, else the in-process engine. */
  backend: () => Promise<BerthBackend>;
}

export function makeCliContext(config: BerthConfig): CliContext & { close: () => Promise<void> } {
  let engine: Promise<Engine> | null = null;
  let backend: Promise<BerthBackend> | null = null;
  let instances: ReturnType<typeof import('../instances/open-instance-service.ts').openInstanceService> | null = null;
  const openEngine = () => (engine ??= import('../engine/engine.ts').then(({ Engine }) => Engine.open(config)));
  return {
    config,
    out: (text) => process.stdout.write(text.endsWith('\n') ? text : `${text}\n`),
    err: (text) => process.stderr.write(text.endsWith('\n') ? text : `${text}\n`),
    engine: openEngine,
    instances: async () => (await (instances ??= import('../instances/open-instance-service.ts').then(({ openInstanceService }) => openInstanceService(config)))).instances,
    backend: () =>
      (backend ??= config.remote
        ? import('./backend/remote-backend.ts').then(({ RemoteBackend }) => new RemoteBackend(config.remote!.endpoint, config.remote!.token))
        : import('./backend/local-backend.ts').then(({ LocalBackend }) => new LocalBackend(openEngine))),
    close: async () => {
      if (engine) await (await engine).close();
      if (instances) await (await instances).close();
    },
  };
}
