import type { RuntimeDriver, WorkloadHandle } from '../runtimes/driver.ts';

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

/**
 * The upstream of a route, checked against the driver where ports are mapped by the host's engine
 * (docker): a published host port is the container's only while the container runs — once it ends
 * or is removed, the Engine frees that port and anyone may listen there. So the container is looked
 * up again through `driverNamed` (the driver that made the handle) (its current published port, none when it is not running) instead of trusting the port
 * recorded at start; null when it does not serve `port` now. Other handles as serviceUpstream.
 */
export async function liveUpstream(driverNamed: (name: string) => Promise<Pick<RuntimeDriver, 'list'>>, handle: WorkloadHandle | null, port: number): Promise<{ host: string; port: number } | null> {
  if (handle?.driver !== 'docker') return serviceUpstream(handle, port);
  const live = await driverNamed(handle.driver).then((driver) => driver.list(handle.labels)).then((found) => found.find((h) => h.id === handle.id), () => undefined);
  return live && live.state[`port:${port}`] !== undefined ? serviceUpstream(live, port) : null;
}

/** The process group that must hold a process-runtime service's port (none for mapped ports). */
export function upstreamOwner(handle: WorkloadHandle | null, port: number): { pgid: number } | undefined {
  if (!handle || handle.driver !== 'process' || handle.state[`port:${port}`] !== undefined) return undefined;
  const pgid = handle.state.pgid;
  return typeof pgid === 'number' ? { pgid } : undefined;
}
