import type { RequestOptions } from 'node:https';
import type { ClientRequest, IncomingMessage } from 'node:http';

type Request = (url: URL, options: RequestOptions, callback: (res: IncomingMessage) => void) => ClientRequest;

export interface PostResult {
  ok: boolean;
  status: number | null;
  error: string | null;
}

/**
 * POSTs `body` to `url`, resolving (never rejecting) with the outcome: 2xx is ok; any other
 * status, a network error or the timeout is not. The response body is read and discarded.
 */
export async function httpPost(url: string, body: string, headers: Record<string, string>, opts: { timeoutMs: number; verifyTls: boolean }): Promise<PostResult> {
  // Loaded on first use: every CLI command opens the engine, few of them send webhooks.
  const [{ request: httpRequest }, { request: httpsRequest }] = await Promise.all([import('node:http'), import('node:https')]);
  return new Promise((resolve) => {
    let settled = false;
    const done = (r: PostResult) => {
      if (!settled) (settled = true), resolve(r);
    };
    let target: URL;
    try {
      target = new URL(url);
    } catch {
      return done({ ok: false, status: null, error: 'the webhook URL is not a valid URL' });
    }
    const send: Request = target.protocol === 'https:' ? httpsRequest : httpRequest;
    const req = send(target, {
      method: 'POST',
      headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) },
      rejectUnauthorized: opts.verifyTls,
      agent: false,
    }, (res) => {
      res.resume();
      res.on('end', () => {
        const status = res.statusCode ?? 0;
        done({ ok: status >= 200 && status < 300, status, error: status >= 200 && status < 300 ? null : `receiver answered HTTP ${status}` });
      });
      res.on('error', (e) => done({ ok: false, status: res.statusCode ?? null, error: e.message }));
    });
    const timer = setTimeout(() => {
      done({ ok: false, status: null, error: `no response within ${opts.timeoutMs} ms` });
      req.destroy();
    }, opts.timeoutMs);
    req.on('close', () => clearTimeout(timer));
    req.on('error', (e) => done({ ok: false, status: null, error: describeError(e, target) }));
    req.end(body);
  });
}

/** Certificate failures say so (and how to accept such a receiver); other errors are their message. */
function describeError(e: Error & { code?: string }, target: URL): string {
  const code = e.code ?? '';
  if (target.protocol === 'https:' && /CERT|SELF_SIGNED|UNABLE_TO_(GET|VERIFY)/.test(code)) {
    // Node's own hint (running Node with other CA options) does not apply to a Berth user.
    return `TLS certificate of ${target.host} not trusted: ${e.message.split(';')[0]} (${code}); fix the receiver's certificate or set verify_ssl: false`;
  }
  return e.message;
}
