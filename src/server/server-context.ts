import type { ServiceAccess } from '../auth/service-access.ts';
import type { WebSessions } from '../auth/web-sessions.ts';
import type { TokenRegistry } from '../auth/token-registry.ts';
import type { Engine } from '../engine/engine.ts';
import type { ProjectCatalog } from '../projects/project-catalog.ts';
import type { ServiceManager } from '../services/service-manager.ts';
import type { AuthFailureLimiter } from '../auth/auth-failure-limiter.ts';
import type { HostWorkloadPolicy } from '../auth/host-workload-policy.ts';

/** What the routes work with; built once per server by buildApp's caller. */
export interface ServerContext {
  engine: Engine;
  projects: ProjectCatalog;
  tokens: TokenRegistry;
  services: ServiceManager;
  limiter: AuthFailureLimiter;
  /** Who host workloads run as and who may start them (default workload-user: any token). */
  hostPolicy?: HostWorkloadPolicy;
  /** Tickets and service sessions: browsers reach services on their own origins without the user's token. */
  serviceAccess: ServiceAccess;
  /** The web UI's sign-ins: the cookie holds a session id, never the token. */
  webSessions: WebSessions;
  /** The server's job scheduler (null when it does not run one): told when a job may be due now. */
  scheduler?: { nudge(): void } | null;
}
