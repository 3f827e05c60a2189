import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createServer, type Server } from 'node:net';
import { after, describe, it } from 'node:test';
import { portHolder } from './port-owner.ts';

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** A process in its own group listening on `port` (its pid is the group id). */
async function listener(port: number): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['-e', `require('net').createServer().listen(${port}, '127.0.0.1', () => console.log('up'))`], { detached: true, stdio: ['ignore', 'pipe', 'inherit'] });
  await once(child.stdout!, 'data');
  return child;
}

describe('portHolder', () => {
  const children: ChildProcess[] = [];
  const servers: Server[] = [];
  after(() => {
    for (const c of children) c.kill('SIGKILL');
    for (const s of servers) s.close();
  });

  it("stays 'own' past its cache while the group still holds the socket, and turns 'other' once another process listens there", async () => {
    const port = await freePort();
    assert.equal(portHolder(port, 999_999_999), 'none');
    const child = await listener(port);
    children.push(child);
    const pgid = child.pid!;
    const t0 = Date.now();
    assert.equal(portHolder(port, pgid, t0), 'own');
    assert.equal(portHolder(port, process.pid, t0), 'other');
    // Well past the second an answer is remembered: checked again (the same socket, still open in the group).
    assert.equal(portHolder(port, pgid, t0 + 5_000), 'own');
    assert.equal(portHolder(port, pgid, t0 + 10_000), 'own');

    // The service ends and something else takes its port: never forwarded to again.
    child.kill('SIGKILL');
    await once(child, 'exit');
    const squatter = createServer();
    servers.push(squatter);
    await new Promise<void>((resolve) => squatter.listen(port, '127.0.0.1', resolve));
    assert.equal(portHolder(port, pgid, t0 + 15_000), 'other');
    squatter.close();
    await once(squatter, 'close');
    assert.equal(portHolder(port, pgid, t0 + 20_000), 'none');
  });

  it('forgets the socket of a service that ended', async () => {
    const port = await freePort();
    const first = await listener(port);
    children.push(first);
    const t0 = Date.now();
    assert.equal(portHolder(port, first.pid!, t0), 'own');
    first.kill('SIGKILL');
    await once(first, 'exit');
    assert.equal(portHolder(port, first.pid!, t0 + 5_000), 'none');
  });
});
