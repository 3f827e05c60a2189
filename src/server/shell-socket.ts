import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import { assertHostWorkloadAllowed } from '../auth/host-workload-policy.ts';
import { assertProjectAccess } from '../auth/assert-project-access.ts';
import { BerthError, isBerthError } from '../errors.ts';
import { claimUpgrade } from '../http/upgrade-claims.ts';
import { toBerthError } from '../http/to-berth-error.ts';
import { parseHostUrl } from '../proxy/proxy-request.ts';
import { findProjectEnvironment } from '../runs/environment-shells.ts';
import type { Terminal } from '../runtimes/terminal.ts';
import { principalOfRequest } from './auth-hook.ts';
import type { ServerContext } from './server-context.ts';

/** `/api/projects/{project}/environments/{environment}/shell` */
const SHELL_PATH = /^\/api\/projects\/([^/?#]+)\/environments\/([^/?#]+)\/shell$/;
const MAX_FRAME = 1024 * 1024;

export interface ShellSocketOptions {
  ctx: ServerContext;
  servicesDomain?: string;
}

/**
 * The environment shell websocket: `GET /api/projects/{project}/environments/{environment}/shell`
 * with `Upgrade: websocket`, authenticated like every API route (Bearer, or the web UI's session
 * cookie from its own origin; a project token only for its project; on a server that cannot isolate
 * host workloads, admin only on the process runtime). Protocol: binary frames both ways are terminal
 * bytes; the client's text frames are JSON controls (`{"type":"resize","cols","rows"}`); the
 * server's text frames are JSON notices (`progress`, `ready`, `exit` with the code, `error` with a
 * coded error) before it closes. Closing the socket ends the shell and everything it started.
 */
export async function shellSocket(app: FastifyInstance, opts: ShellSocketOptions): Promise<void> {
  const { ctx } = opts;
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_FRAME });
  const open = new Set<Terminal>();
  app.server.prependListener('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const url = new URL(req.url ?? '/', 'http://berth.invalid');
    const m = SHELL_PATH.exec(url.pathname);
    if (!m) return;
    if (opts.servicesDomain && parseHostUrl(req.headers.host, req.url ?? '/', opts.servicesDomain)) return;
    claimUpgrade(req);
    socket.on('error', () => socket.destroy());
    const address = req.socket.remoteAddress ?? '';
    const size = (name: string, fallback: number) => {
      const n = Number(url.searchParams.get(name) ?? fallback);
      return Number.isInteger(n) && n >= 2 && n <= 1000 ? n : fallback;
    };
    (async () => {
      const principal = await principalOfRequest(ctx, address, 'POST', req.headers);
      const project = await ctx.projects.find(decodeURIComponent(m[1]!));
      assertProjectAccess(principal, project);
      assertHostWorkloadAllowed(ctx.hostPolicy ?? 'workload-user', principal, ctx.engine.config.runtime, 'environment shells');
      const environment = findProjectEnvironment(project.path, decodeURIComponent(m[2]!));
      return { principal, project, environment };
    })().then(
      ({ principal, project, environment }) =>
        wss.handleUpgrade(req, socket, head, (ws) => {
          app.log.info({ project: project.uuid, environment: environment.uuid, token: principal.tokenId }, 'environment shell opened');
          void serve(ws, { project: project.uuid, environment: environment.uuid, cols: size('cols', 80), rows: size('rows', 24), tokenId: principal.tokenId });
        }),
      (e: unknown) => rejectUpgrade(socket, isBerthError(e) ? e : toBerthError(e as Error)),
    );
  });

  async function serve(ws: WebSocket, s: { project: string; environment: string; cols: number; rows: number; tokenId: string }): Promise<void> {
    const notice = (body: Record<string, unknown>) => ws.readyState === ws.OPEN && ws.send(JSON.stringify(body));
    let closed = false;
    let terminal: Terminal | undefined;
    const pendingInput: Buffer[] = [];
    let pendingSize: { cols: number; rows: number } | undefined;
    ws.on('message', (data: RawData, isBinary: boolean) => {
      const bytes = Buffer.isBuffer(data) ? data : Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data);
      if (isBinary) return void (terminal ? terminal.write(bytes) : pendingInput.push(bytes));
      let control: { type?: unknown; cols?: unknown; rows?: unknown };
      try {
        control = JSON.parse(bytes.toString('utf8')) as typeof control;
      } catch {
        return notice({ type: 'error', error: { code: 'BERTH_E_INVALID_ARGUMENT', message: 'a text frame must be JSON: {"type":"resize","cols":N,"rows":N}' } });
      }
      const ok = (n: unknown) => typeof n === 'number' && Number.isInteger(n) && n >= 2 && n <= 1000;
      if (control?.type === 'resize' && ok(control.cols) && ok(control.rows)) {
        const next = { cols: control.cols as number, rows: control.rows as number };
        if (terminal) terminal.resize(next.cols, next.rows);
        else pendingSize = next;
        return;
      }
      notice({ type: 'error', error: { code: 'BERTH_E_INVALID_ARGUMENT', message: 'unknown control: send binary frames for input, {"type":"resize","cols":2-1000,"rows":2-1000} to resize' } });
    });
    ws.on('error', () => undefined);
    ws.on('close', () => {
      closed = true;
      void terminal?.close();
    });
    try {
      const opened = await ctx.engine.openShell({
        project: s.project,
        environment: s.environment,
        cols: pendingSize?.cols ?? s.cols,
        rows: pendingSize?.rows ?? s.rows,
        gitHolder: s.tokenId,
        onProgress: (line) => notice({ type: 'progress', line }),
      });
      terminal = opened.terminal;
      open.add(terminal);
      if (closed) {
        await terminal.close();
      } else {
        notice({ type: 'ready', environment: opened.environment });
        terminal.onData((chunk) => ws.readyState === ws.OPEN && ws.send(chunk, { binary: true }));
        for (const bytes of pendingInput.splice(0)) terminal.write(bytes);
      }
      const code = await terminal.exited;
      open.delete(terminal);
      notice({ type: 'exit', code });
      ws.close(1000, 'shell ended');
    } catch (e) {
      const err = isBerthError(e) ? e : toBerthError(e as Error);
      app.log.warn({ project: s.project, environment: s.environment, code: err.code }, `environment shell failed: ${err.message}`);
      notice({ type: 'error', error: err.toJSON() });
      ws.close(1011, err.code);
    }
  }

  app.addHook('preClose', async () => {
    await Promise.all([...open].map((t) => t.close()));
    for (const client of wss.clients) client.terminate();
    wss.close();
  });
}

function rejectUpgrade(socket: Duplex, err: BerthError): void {
  if (socket.destroyed || !socket.writable) return void socket.destroy();
  const body = JSON.stringify({ error: err.toJSON() });
  socket.end(`HTTP/1.1 ${err.httpStatus} ${err.code}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`);
}
