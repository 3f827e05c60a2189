import { connect } from 'node:net';
import type { RuntimeDriver, WorkloadHandle } from '../runtimes/driver.ts';
import type { HealthCheck } from './supervisor-protocol.ts';

/** One health probe: the command exits 0 inside the workload, or the port accepts a TCP connection (where it is published, on isolating runtimes). Never throws. */
export async function probeHealth(driver: RuntimeDriver, handle: WorkloadHandle, check: HealthCheck): Promise<boolean> {
  const timeoutMs = Math.max(check.intervalMs, 1000);
  try {
    if (check.cmd !== null) return (await driver.exec(handle, ['/bin/sh', '-c', check.cmd], { timeoutMs })).code === 0;
    if (check.port !== null) return await canConnect('127.0.0.1', hostPort(handle, check.port), timeoutMs);
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

/** Where the workload's `port` is reached from the host: its published port (handle.state `port:<n>`), else the port itself. */
function hostPort(handle: WorkloadHandle, port: number): number {
  const published = handle.state[`port:${port}`];
  return typeof published === 'number' ? published : port;
}
