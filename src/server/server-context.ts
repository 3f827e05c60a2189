import type { Engine } from '../engine/engine.ts';
import type { ProxyContext } from '../proxy/proxy-context.ts';

/** What the routes work with; built once per server by buildApp's caller (the engine's services, plus the server's own). */
export interface ServerContext extends ProxyContext {
  engine: Engine;
  /** The server's job scheduler (null when it does not run one): told when a job may be due now. */
  scheduler?: { nudge(): void } | null;
}
