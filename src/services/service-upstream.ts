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

/** The process group that must hold a process-runtime service's port (none for mapped ports). */
export function upstreamOwner(handle: WorkloadHandle | null, port: number): { pgid: number } | undefined {
  if (!handle || handle.driver !== 'process' || handle.state[`port:${port}`] !== undefined) return undefined;
  const pgid = handle.state.pgid;
  return typeof pgid === 'number' ? { pgid } : undefined;
}
