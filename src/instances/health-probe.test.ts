import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { RuntimeDriver, WorkloadHandle } from '../runtimes/driver.ts';
import { probeHealth } from './health-probe.ts';

/** A port check connects where the runtime publishes the port: a host port (docker) or a Service's "host:port" (kubernetes). */
describe('probeHealth --health-port', () => {
  let server: Server;
  let port = 0;
  before(async () => {
    server = createServer((socket) => socket.end());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as { port: number }).port;
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const driver = {} as RuntimeDriver;
  const handle = (published: string | number): WorkloadHandle => ({ id: 'i-1', driver: 'x', labels: {}, logPath: '', state: { 'port:8000': published } });
  const check = { cmd: null, port: 8000, intervalMs: 1000, retries: 1 };

  it('a kubernetes handle\'s "service-host:port" is dialled as it is', async () => {
    assert.equal(await probeHealth(driver, handle(`127.0.0.1:${port}`), check), true);
    assert.equal(await probeHealth(driver, handle('127.0.0.1:1'), check), false);
  });

  it('a docker handle\'s published port is dialled on 127.0.0.1', async () => {
    assert.equal(await probeHealth(driver, handle(port), check), true);
  });
});
