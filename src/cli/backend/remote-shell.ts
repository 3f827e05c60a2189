import type { WebSocket } from 'ws';
import { BerthError, ERRORS, type ErrorCode } from '../../errors.ts';
import type { Terminal } from '../../runtimes/terminal.ts';
import { errorOfBody } from './http-client.ts';

export interface ShellSession {
  terminal: Terminal;
  environment: { uuid: string; name: string };
}

/**
 * The client side of the server's environment shell websocket (server/shell-socket.ts) as a
 * Terminal: resolves once the server says the shell is ready; a refused upgrade or an error notice
 * becomes the server's BerthError.
 */
export function remoteShell(ws: WebSocket, onProgress?: (line: string) => void): Promise<ShellSession> {
  return new Promise((resolve, reject) => {
    const listeners: Array<(chunk: Buffer) => void> = [];
    let exitCode: number | null = null;
    let ready = false;
    let ended!: (code: number | null) => void;
    const exited = new Promise<number | null>((r) => (ended = r));
    ws.on('unexpected-response', (_req, res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString('utf8')));
      res.on('end', () => reject(errorOfBody(res.statusCode ?? 0, body)));
    });
    ws.on('error', (e) => {
      if (!ready) reject(new BerthError('BERTH_E_SERVER_UNREACHABLE', `cannot open the shell on the Berth server (${(e as NodeJS.ErrnoException).code ?? e.message})`));
    });
    ws.on('message', (data: Buffer, binary: boolean) => {
      if (binary) return listeners.forEach((l) => l(data));
      const notice = JSON.parse(data.toString('utf8')) as { type: string; line?: string; code?: number | null; environment?: ShellSession['environment']; error?: { code: string; message: string; problems?: BerthError['problems'] } };
      if (notice.type === 'progress' && notice.line) onProgress?.(notice.line);
      else if (notice.type === 'exit') exitCode = notice.code ?? null;
      else if (notice.type === 'error' && notice.error) {
        const code = (notice.error.code in ERRORS ? notice.error.code : 'BERTH_E_INTERNAL') as ErrorCode;
        const err = new BerthError(code, notice.error.message, { problems: notice.error.problems ?? [] });
        if (!ready) reject(err);
        else onProgress?.(`berth: ${err.message}`);
      } else if (notice.type === 'ready' && notice.environment) {
        ready = true;
        resolve({ terminal, environment: notice.environment });
      }
    });
    ws.on('close', () => ended(exitCode));
    const terminal: Terminal = {
      onData: (l) => void listeners.push(l),
      write: (d) => ws.readyState === ws.OPEN && ws.send(typeof d === 'string' ? Buffer.from(d) : d, { binary: true }),
      resize: (cols, rows) => ws.readyState === ws.OPEN && ws.send(JSON.stringify({ type: 'resize', cols, rows })),
      exited,
      close: async () => {
        ws.close();
        await exited;
      },
    };
  });
}
