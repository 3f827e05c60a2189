import type { IncomingMessage } from 'node:http';

const claimed = new WeakSet<IncomingMessage>();

/**
 * Several parts of the server answer websocket upgrades (the service proxy, environment shells): the
 * first listener that owns a request's URL claims it, and the others leave it alone.
 */
export function claimUpgrade(req: IncomingMessage): void {
  claimed.add(req);
}

export function isUpgradeClaimed(req: IncomingMessage): boolean {
  return claimed.has(req);
}
