import type { ServiceDefinition } from '../core/pipeline-types.ts';

/** What the proxy needs to forward one request: the service's definition and its upstream address. */
export interface ServiceRoute {
  projectUuid: string;
  definition: ServiceDefinition;
  /** Null when nothing serves the port now (a container that ended or was removed: its old host port may be anyone's). */
  upstream: { host: string; port: number } | null;
  /** Process runtime: the service's process group, which must hold the port's listening socket (no squatting). */
  owner?: { pgid: number };
  /** Which start of the service this is (its row's creation time): browser service sessions are bound to it. */
  instance: string;
  /**
   * The Authorization header Berth sends upstream in place of the caller's (the session's Jupyter
   * server: its token is Berth's secret, the caller's Berth token is never forwarded).
   */
  upstreamAuthorization?: string;
  /**
   * The host (BERTH_HOST_ID) the service runs on when it is not this server's: its port is reachable
   * there only, so the request goes to a Berth server on that host (upstream is null).
   */
  elsewhere?: string;
}
