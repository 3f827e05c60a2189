import { connect } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';
import type { RuntimeDriver, WorkloadHandle } from '../runtimes/driver.ts';
import { serviceUpstream, upstreamOwner } from './service-upstream.ts';
import { portHolder } from '../runtimes/process/port-owner.ts';

/**
 * How long a connection must stay open to count as accepted by the service. A port published by a
 * container runtime is answered by the engine's proxy even before the service listens; that proxy
 * then closes the connection at once, while a listening service keeps it open (or greets us).
 */
const ACCEPT_HOLD_MS = 60;
const POLL_MS = 100;

export type Readiness = { ready: true; by: 'healthcheck' | 'ports' } | { ready: false; reason: string };

/**
 * Waits until a started service is ready: its image's HEALTHCHECK reports healthy when it has one,
 * else every declared port accepts a TCP connection (where the host reaches it). Gives up when the
 * workload ends, turns unhealthy, the timeout passes or the signal aborts. Never throws.
 */
export async function waitServiceReady(
  driver: RuntimeDriver & { health?(h: WorkloadHandle): Promise<string> },
  handle: WorkloadHandle,
  ports: number[],
  opts: { timeoutMs: number; signal?: AbortSignal },
): Promise<Readiness> {
  const deadline = Date.now() + opts.timeoutMs;
  // Whether the image has a HEALTHCHECK does not change while it runs: ask once, then poll cheaply
  // (the ports first; the runtime only when they do not answer yet).
  let health: string | null = null;
  for (;;) {
    if (opts.signal?.aborted) return { ready: false, reason: 'interrupted' };
    try {
      if (health === null || health !== 'none') {
        health = driver.health ? await driver.health(handle) : 'none';
        if (health === 'healthy') return { ready: true, by: 'healthcheck' };
        if (health === 'unhealthy') return { ready: false, reason: "its image's HEALTHCHECK reports it unhealthy" };
      }
      if (health === 'none' && (await allAccept(handle, ports))) return { ready: true, by: 'ports' };
      if (!(await driver.isRunning(handle))) return { ready: false, reason: 'it ended before it was ready' };
    } catch (e) {
      return { ready: false, reason: e instanceof Error ? e.message : String(e) };
    }
    if (Date.now() >= deadline) {
      return { ready: false, reason: `not ready after ${Math.round(opts.timeoutMs / 1000)} s (ports ${ports.join(', ')} do not accept connections)` };
    }
    await delay(POLL_MS);
  }
}

/**
 * Every port accepts a connection. On the process runtime the port's listening socket must also be
 * the service's own (not another process squatting the number).
 */
export async function allAccept(handle: WorkloadHandle, ports: number[]): Promise<boolean> {
  const results = await Promise.all(
    ports.map(async (p) => {
      const owner = upstreamOwner(handle, p);
      return owner ? portHolder(p, owner.pgid) === 'own' : accepts(serviceUpstream(handle, p));
    }),
  );
  return results.every(Boolean);
}

/** True when a connection opens and is not closed by the other side within ACCEPT_HOLD_MS (or data arrives). */
export function accepts(target: { host: string; port: number }): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: target.host, port: target.port });
    let timer: NodeJS.Timeout | undefined;
    const done = (ok: boolean): void => {
      clearTimeout(timer);
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1000, () => done(false));
    socket.once('connect', () => {
      timer = setTimeout(() => done(true), ACCEPT_HOLD_MS);
    });
    socket.once('data', () => done(true));
    socket.once('end', () => done(false));
    socket.once('close', () => done(false));
    socket.once('error', () => done(false));
  });
}
