import { BerthError, type ErrorCode, ERRORS } from '../../errors.ts';

/** JSON over HTTP to a Berth server; error bodies become the server's BerthErrors, network failures BERTH_E_SERVER_UNREACHABLE. */
export class HttpClient {
  readonly #endpoint: string;
  readonly #token: string | undefined;

  constructor(endpoint: string, token: string | undefined) {
    this.#endpoint = endpoint;
    this.#token = token;
  }

  async json<T>(method: string, path: string, body?: unknown): Promise<T> {
    const res = await this.raw(method, path, body);
    return (res.status === 204 ? undefined : await res.json()) as T;
  }

  /** The response of a successful call (2xx); anything else throws. */
  async raw(method: string, path: string, body?: unknown, headers: Record<string, string> = {}, signal?: AbortSignal): Promise<Response> {
    const all: Record<string, string> = { ...headers };
    if (this.#token) all.authorization = `Bearer ${this.#token}`;
    if (body !== undefined) all['content-type'] = 'application/json';
    let res: Response;
    try {
      res = await fetch(`${this.#endpoint}${path}`, { method, headers: all, body: body === undefined ? undefined : JSON.stringify(body), signal });
    } catch (e) {
      const cause = (e as { cause?: { code?: string } }).cause?.code ?? (e instanceof Error ? e.message : String(e));
      throw new BerthError('BERTH_E_SERVER_UNREACHABLE', `cannot reach the Berth server at ${this.#endpoint} (${cause})`, {
        problems: [{ path: 'BERTH_ENDPOINT', message: 'no answer', fix: 'start it with `berth server`, or unset BERTH_ENDPOINT to run in-process' }],
      });
    }
    if (res.ok) return res;
    throw await errorOf(res);
  }

  /** A websocket to `path` on the server (ws:// or wss://), with the token as a Bearer header. */
  async websocket(path: string): Promise<import('ws').WebSocket> {
    const { WebSocket } = await import('ws');
    const url = `${this.#endpoint.replace(/^http/, 'ws')}${path}`;
    return new WebSocket(url, { headers: this.#token ? { authorization: `Bearer ${this.#token}` } : {} });
  }
}

async function errorOf(res: Response): Promise<BerthError> {
  return errorOfBody(res.status, await res.text());
}

/** A server's error body (`{"error": {...}}`) as the BerthError it names. */
export function errorOfBody(status: number, text: string): BerthError {
  try {
    const { error } = JSON.parse(text) as { error: { code: string; message: string; problems?: BerthError['problems'] } };
    const code = (error.code in ERRORS ? error.code : 'BERTH_E_INTERNAL') as ErrorCode;
    const { code: _c, message: _m, problems: _p, ...details } = error as Record<string, unknown>;
    return new BerthError(code, error.message, { problems: error.problems ?? [], details });
  } catch {
    return new BerthError('BERTH_E_SERVER_UNREACHABLE', `the Berth server answered ${status}: ${text.slice(0, 200)}`);
  }
}

/** The `data:` payloads of a Server-Sent Events stream (JSON-decoded) until `event: end`. */
export async function* sseData(res: Response): AsyncGenerator<{ event: string; data: unknown }> {
  const decoder = new TextDecoder();
  let buffer = '';
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
    buffer += decoder.decode(chunk, { stream: true });
    let end: number;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      let event = 'message';
      let data = '';
      for (const line of block.split('\n')) {
        if (line.startsWith('event: ')) event = line.slice(7);
        else if (line.startsWith('data: ')) data += line.slice(6);
      }
      yield { event, data: data ? JSON.parse(data) : null };
      if (event === 'end' || event === 'error') return;
    }
  }
}
