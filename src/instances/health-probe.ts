import { connect } from 'node:net';
import type { RuntimeDriver, WorkloadHandle } from '../runtimes/driver.ts';
import { serviceUpstream } from '../services/service-upstream.ts';
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
      const at = serviceUpstream(handle, check.port);
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
