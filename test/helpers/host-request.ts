import { request } from 'node:http';

export interface HostResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** An HTTP request with a chosen Host header (fetch does not let tests set it), e.g. a service's own host sent to 127.0.0.1. */
export function hostRequest(url: string, host: string, headers: Record<string, string> = {}, method = 'GET', body?: string): Promise<HostResponse> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, headers: { host, ...headers } }, (res) => {
      let text = '';
      res.on('data', (d: Buffer) => (text += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}
