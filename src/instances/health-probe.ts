import { connect } from 'node:net';
import type { RuntimeDriver, WorkloadHandle } from '../runtimes/driver.ts';
import type { HealthCheck } from './supervisor-protocol.ts';

/**
 * One health probe: the command exits 0 inside the workload, or the port accepts a TCP connection
 * where the runtime publishes it (docker: a port of 127.0.0.1; kubernetes: the workload's Service,
 * `NAME.NAMESPACE.svc:PORT`, which Berth reaches from inside the cluster). Never throws.
 */
export async function probeHealth(driver: RuntimeDriver, handle: WorkloadHandle, check: HealthCheck): Promise<boolean> {
  const timeoutMs = Math.max(check.intervalMs, 1000);
  try {
    if (check.cmd !== null) return (await driver.exec(handle, ['/bin/sh', '-c', check.cmd], { timeoutMs })).code === 0;
    if (check.port !== null) {
      const at = published(handle, check.port);
      return await canConnect(at.host, at.port, timeoutMs);
    }
  } catch {
    return false;
  }
  return true;
}

function canConnect(host: string, port: number, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port, timeout: timeoutMs });
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.once('connect', () => done(true));
    socket.once('timeout', () => done(false));
    socket.once('error', () => done(false));
  });
}

/** Where the workload's `port` is reached: handle.state `port:<n>` (a host port, or "host:port"), else the port itself on 127.0.0.1. */
function published(handle: WorkloadHandle, port: number): { host: string; port: number } {
  const value = handle.state[`port:${port}`];
  if (typeof value === 'number') return { host: '127.0.0.1', port: value };
  const m = typeof value === 'string' ? /^(.+):(\d+)$/.exec(value) : null;
  return m ? { host: m[1]!, port: Number(m[2]) } : { host: '127.0.0.1', port };
}
