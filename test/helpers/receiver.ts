import { Sandbox } from './berth-cli.ts';
import { createServer, type IncomingMessage, type RequestListener, type Server, type ServerResponse } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

export interface Received {
  headers: IncomingMessage['headers'];
  body: string;
}

/** A real HTTP (or, with `tls`, HTTPS) receiver on 127.0.0.1 recording every request; `respond` decides each answer. */
export class Receiver {
  readonly received: Received[] = [];
  /** Requests whose answer is being held (respond returned 'hold'). */
  readonly held: ServerResponse[] = [];
  respond: (r: Received) => number | 'hold' = () => 200;
  readonly #server: Server;
  readonly #scheme: 'http' | 'https';

  constructor(opts: { tls?: { key: string; cert: string } } = {}) {
    this.#scheme = opts.tls ? 'https' : 'http';
    const handle: RequestListener = (req, res) => {
      let body = '';
      req.setEncoding('utf8');
      req.on('data', (c: string) => (body += c));
      req.on('end', () => {
        const r = { headers: req.headers, body };
        this.received.push(r);
        const answer = this.respond(r);
        if (answer === 'hold') this.held.push(res);
        else res.writeHead(answer).end('ok');
      });
    };
    this.#server = opts.tls ? createTlsServer(opts.tls, handle) : createServer(handle);
  }

  async listen(): Promise<string> {
    await new Promise<void>((resolve) => this.#server.listen(0, '127.0.0.1', resolve));
    return `${this.#scheme}://127.0.0.1:${(this.#server.address() as AddressInfo).port}/hook`;
  }

  async waitFor(cond: (received: Received[]) => boolean, what: string, ms = 30_000): Promise<void> {
    const end = Date.now() + ms;
    while (!cond(this.received)) {
      if (Date.now() > end) throw new Error(`timed out waiting for ${what}; received ${this.received.length}: ${this.received.map((r) => r.headers['x-berth-event']).join(', ')}`);
      await sleep(25);
    }
  }

  async close(): Promise<void> {
    for (const res of this.held) res.destroy();
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }
}

/**
 * For a describe block: a Sandbox and a Receiver listening before the tests and cleaned up after.
 * `url()` is the receiver's URL once it listens.
 */
export function sandboxWithReceiver(hooks: { before: (fn: () => Promise<void>) => void; after: (fn: () => Promise<void>) => void }) {
  const box = new Sandbox();
  const receiver = new Receiver();
  let url = '';
  hooks.before(async () => {
    url = await receiver.listen();
  });
  hooks.after(async () => {
    await receiver.close();
    box.cleanup();
  });
  return { box, receiver, url: () => url };
}
