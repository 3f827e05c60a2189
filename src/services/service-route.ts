import type { ServiceDefinition } from '../core/pipeline-types.ts';

/** What the proxy needs to forward one request: the service's definition and its upstream address. */
export interface ServiceRoute {
  projectUuid: string;
  definition: ServiceDefinition;
  upstream: { host: string; port: number };
  /** Which start of the service this is (its row's creation time): browser service sessions are bound to it. */
  instance: string;
}
