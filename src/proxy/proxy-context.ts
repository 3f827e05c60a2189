import type { AuthFailureLimiter } from '../auth/auth-failure-limiter.ts';
import type { ServiceAccess } from '../auth/service-access.ts';
import type { TokenRegistry } from '../auth/token-registry.ts';
import type { ProjectCatalog } from '../projects/project-catalog.ts';
import type { ServiceManager } from '../services/service-manager.ts';
import type { ServerPeers } from '../leases/server-peers.ts';

/** What the service proxy works with (the server's context is a superset). */
export interface ProxyContext {
  projects: ProjectCatalog;
  tokens: TokenRegistry;
  services: ServiceManager;
  limiter: AuthFailureLimiter;
  /** Tickets and service sessions: browsers reach services on their own origins without the user's token. */
  serviceAccess: ServiceAccess;
  /** The other servers of a shared store (null or absent: this server is alone): forwards to and from them. */
  peers?: ServerPeers | null;
}
