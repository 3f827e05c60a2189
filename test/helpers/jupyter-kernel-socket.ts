import { randomUUID } from 'node:crypto';
import WebSocket from 'ws';

/** Opens a websocket; resolves with it once open, or with the HTTP status of a refused handshake. */
export function openSocket(url: string, headers: Record<string, string>): Promise<WebSocket | number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers });
    ws.once('open', () => resolve(ws));
    ws.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
    ws.once('error', reject);
  });
}

/** Runs `code` on the kernel over its channels websocket; resolves with its stdout once the kernel is idle again. */
export function execute(ws: WebSocket, code: string): Promise<{ stdout: string; error: string | null }> {
  const msgId = randomUUID();
  return new Promise((resolve, reject) => {
    let stdout = '';
    let error: string | null = null;
    const timer = setTimeout(() => reject(new Error(`no answer to execute_request; stdout so far: ${stdout}`)), 180_000);
    ws.on('message', (data) => {
      const msg = JSON.parse(String(data)) as { msg_type: string; parent_header: { msg_id?: string }; content: Record<string, unknown> };
      if (msg.parent_header.msg_id !== msgId) return;
      if (msg.msg_type === 'stream') stdout += String(msg.content.text);
      if (msg.msg_type === 'error') error = `${String(msg.content.ename)}: ${String(msg.content.evalue)}`;
      if (msg.msg_type === 'status' && msg.content.execution_state === 'idle') {
        clearTimeout(timer);
        resolve({ stdout, error });
      }
    });
    ws.send(JSON.stringify({
      header: { msg_id: msgId, username: 'test', session: randomUUID(), msg_type: 'execute_request', version: '5.3', date: new Date().toISOString() },
      parent_header: {}, metadata: {}, channel: 'shell', buffers: [],
      content: { code, silent: false, store_history: true, user_expressions: {}, allow_stdin: false, stop_on_error: true },
    }));
  });
}
