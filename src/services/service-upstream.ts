import type { WorkloadHandle } from '../runtimes/driver.ts';

/**
 * Where the proxy reaches a service's declared port. A driver that maps ports (containers) records
 * the host address in its handle's state as `port:<n>` = "host:port"; without one (the process
 * runtime) the service listens on that port on the loopback interface itself.
 */
export function serviceUpstream(handle: WorkloadHandle | null, port: number): { host: string; port: number } {
  const mapped = handle?.state[`port:${port}`];
  if (typeof mapped === 'number') return { host: '127.0.0.1', port: mapped };
  if (typeof mapped === 'string') {
    const i = mapped.lastIndexOf(':');
    return { host: mapped.slice(0, i), port: Number(mapped.slice(i + 1)) };
  }
  return { host: '127.0.0.1', port };
}
