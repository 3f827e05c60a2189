import { execFileSync } from 'node:child_process';
import { createServer, type Server as NetServer } from 'node:net';
import type { Server } from 'node:http';
import { networkInterfaces } from 'node:os';

/**
 * Containers reach the host through the default bridge's gateway (host.docker.internal with
 * `host-gateway`). A server listening only on loopback is not there, so it also accepts connections
 * on that address: the same HTTP server (same routes, tokens and limits) through a second listener.
 * Undefined when this host has no docker0 bridge (Docker elsewhere, Podman): containers then need
 * the server on an address they can reach (--host).
 */
export async function listenOnBridge(server: Server, port: number, iface = 'docker0'): Promise<NetServer | undefined> {
  const address = bridgeAddress(iface);
  if (!address) return undefined;
  const bridge = createServer((socket) => server.emit('connection', socket));
  await new Promise<void>((resolve, reject) => {
    bridge.once('error', reject);
    bridge.listen(port, address, () => {
      bridge.off('error', reject);
      resolve();
    });
  });
  bridge.on('error', () => undefined);
  return bridge;
}

/** The bridge's IPv4 address; Node lists only interfaces that are up, and docker0 is down while no container runs. */
function bridgeAddress(iface: string): string | undefined {
  const listed = networkInterfaces()[iface]?.find((a) => a.family === 'IPv4')?.address;
  if (listed) return listed;
  try {
    const out = execFileSync('ip', ['-4', '-o', 'addr', 'show', 'dev', iface], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 2000 });
    return /\binet (\d+\.\d+\.\d+\.\d+)\//.exec(out)?.[1];
  } catch {
    return undefined;
  }
}

/** Loopback hosts: containers cannot reach a server listening only there. */
export function isLoopbackHost(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}
