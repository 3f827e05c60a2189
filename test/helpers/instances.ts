import { eventually } from './eventually.ts';
import { readFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';

/** A TCP port that was free a moment ago. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

/** Sends a line to 127.0.0.1:port and resolves with the reply; rejects when nothing listens or the connection closes first (a published port whose container does not listen yet). */
export function echo(port: number, line: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port });
    let reply = '';
    socket.setEncoding('utf8');
    socket.once('error', reject);
    socket.once('close', () => reject(new Error(`127.0.0.1:${port} closed the connection before replying`)));
    socket.once('connect', () => socket.write(`${line}\n`));
    socket.on('data', (d: string) => {
      reply += d;
      if (reply.includes('\n')) {
        socket.destroy();
        resolve(reply.trim());
      }
    });
  });
}


/** Whether a process exists (zombies count as gone). */
export function alive(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) [ZX]/s.test(readFileSync(`/proc/${pid}/stat`, 'latin1'));
  } catch {
    return false;
  }
}

/** An echo server script for the process runtime: echoes every line back on 127.0.0.1:$1. */
export const ECHO_SERVER = `import { createServer } from 'node:net';
createServer((s) => s.pipe(s)).listen(Number(process.argv[2]), '127.0.0.1', () => console.log('listening on ' + process.argv[2]));
`;

export { eventually };
