import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { TestServer } from '../helpers/berth-server.ts';
import { freePort } from '../helpers/instances.ts';
import { killLeftovers } from './leftovers.ts';

/** Issue 19 item 10 (second part): a project service is "running" only once it serves its port. */
describe('project services answer "running" only once their port is ready (issue 19 item 10)', () => {
  const t = new TestServer();
  before(async () => {
    await t.start();
    await t.project('web');
  });
  after(async () => {
    for (const name of ['slowstart', 'never']) await t.api('DELETE', `/api/projects/web/services/${name}`).catch(() => undefined);
    await t.close();
    await killLeftovers(t.root);
    t.cleanup();
  });

  it('a service that listens after a second: 201 "running", and the first proxied request is answered', async () => {
    const port = await freePort();
    const res = await t.api('POST', '/api/projects/web/services', {
      body: { name: 'slowstart', command: 'python3', args: `-c "import time, http.server, socketserver; time.sleep(1); http.server.test(HandlerClass=http.server.SimpleHTTPRequestHandler, port=${port}, bind='127.0.0.1')"`, ports: [port] },
    });
    assert.equal(res.status, 201, await res.clone().text());
    assert.equal(((await res.json()) as { status: string }).status, 'running');
    const first = await t.api('GET', `/api/projects/web/services/slowstart/${port}/`);
    assert.equal(first.status, 200, await first.clone().text());
  });

  it('a service that never listens: 201 "starting" (not "running"), and still "starting" when shown', async () => {
    const port = await freePort();
    const res = await t.api('POST', '/api/projects/web/services', { body: { name: 'never', command: 'sleep', args: '60', ports: [port] } });
    assert.equal(res.status, 201);
    assert.equal(((await res.json()) as { status: string }).status, 'starting');
    assert.equal(((await (await t.api('GET', '/api/projects/web/services/never')).json()) as { status: string }).status, 'starting');
  });
});
