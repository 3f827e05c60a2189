import WebSocket from 'ws';
import { eventually } from './eventually.ts';

/** A client of Berth's environment shell websocket: collects output and notices. */
export class ShellClient {
  static readonly all = new Set<ShellClient>();
  /** Ends every client still open (call in after()). */
  static closeAll(): void {
    for (const c of ShellClient.all) c.ws.terminate();
    ShellClient.all.clear();
  }

  readonly ws: WebSocket;
  output = '';
  readonly notices: Array<{ type: string; [k: string]: unknown }> = [];
  closed: { code: number; reason: string } | undefined;

  constructor(url: string, headers: Record<string, string> = {}) {
    this.ws = new WebSocket(url, { headers });
    ShellClient.all.add(this);
    this.ws.on('message', (data: Buffer, binary: boolean) => {
      if (binary) this.output += data.toString('utf8');
      else this.notices.push(JSON.parse(data.toString('utf8')) as { type: string });
    });
    this.ws.on('close', (code, reason) => (this.closed = { code, reason: reason.toString() }));
    this.ws.on('error', () => undefined);
  }

  /** The HTTP status the upgrade was refused with (and its body), or 101 when it opened. */
  upgradeStatus(): Promise<{ status: number; body: string }> {
    return new Promise((resolve) => {
      this.ws.once('open', () => resolve({ status: 101, body: '' }));
      this.ws.once('unexpected-response', (_req, res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      });
    });
  }

  ready(ms = 180_000): Promise<unknown> {
    return eventually('the shell to be ready', () => this.notices.find((n) => n.type === 'ready') ?? (this.notices.find((n) => n.type === 'error') ? Promise.reject(new Error(JSON.stringify(this.notices))) : undefined), ms);
  }

  type(text: string): void {
    this.ws.send(Buffer.from(text), { binary: true });
  }

  /** Waits until the output matches, returning the match. */
  expect(re: RegExp, ms = 60_000): Promise<RegExpMatchArray> {
    return eventually(`shell output matching ${re}`, () => this.output.match(re) ?? undefined, ms).catch((e: Error) => {
      throw new Error(`${e.message}; output so far: ${JSON.stringify(this.output.slice(-600))}; notices: ${JSON.stringify(this.notices)}`);
    });
  }
}
