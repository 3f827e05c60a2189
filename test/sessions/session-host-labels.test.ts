import assert from 'node:assert/strict';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { after, before, describe, it } from 'node:test';
import { ADMIN, TestServer } from '../helpers/berth-server.ts';
import { eventually } from '../helpers/eventually.ts';
import { hostRequest } from '../helpers/host-request.ts';
import { freePort } from '../helpers/instances.ts';

const PIPELINE = '31111111-2222-4333-8444-555555555555';

/**
 * Issue 16: a session service's `<name>-<session uuid>--<project>--<port>` host is longer than a DNS
 * label, so the hand-off gives it a short label (`s-<digest>`, table service_hosts). The label goes
 * when its session stops (and with its project): none is kept for a service that is gone.
 */
describe('short host labels of session services', { timeout: 120_000 }, () => {
  const t = new TestServer();
  let port = 0;
  let session = '';
  const base = '/api/projects/alpha/pipelines/p.orchest/session';
  const labels = () => {
    const db = new DatabaseSync(join(t.home, 'berth.db'), { readOnly: true, timeout: 5_000 });
    try {
      return (db.prepare('SELECT label, service FROM service_hosts ORDER BY label').all() as Array<{ label: string; service: string }>).map((r) => ({ ...r }));
    } finally {
      db.close();
    }
  };
  const handOff = async () => {
    const open = await t.api('GET', `/api/projects/alpha/services/webapp-server-${session}/open?port=${port}`);
    assert.equal(open.status, 303, await open.clone().text());
    return new URL(String(open.headers.get('location')));
  };
  const start = async () => {
    const started = await t.api('POST', base);
    assert.equal(started.status, 201, await started.clone().text());
    session = ((await started.json()) as { uuid: string }).uuid;
  };

  before(async () => {
    await t.start({ env: { BERTH_SESSION_JUPYTER: 'off' } });
    port = await freePort();
    const web = { name: 'webapp-server', image: 'host', command: 'python3', args: `-m http.server ${port} --bind 127.0.0.1`, ports: [port], scope: ['interactive'], exposed: true, requires_authentication: true };
    await t.project('alpha', { 'p.orchest': JSON.stringify({ name: 'p', uuid: PIPELINE, version: '1.2.3', parameters: {}, settings: {}, services: { 'webapp-server': web }, steps: {} }) });
    await start();
  });
  after(async () => {
    await t.api('DELETE', base).catch(() => undefined);
    await t.close();
    t.cleanup();
  });

  it("gives the session's service a short host that opens it, and forgets the label when the session stops", async () => {
    const location = await handOff();
    assert.match(location.hostname, /^s-[a-z2-7]{26}\.localhost$/);
    const host = `${location.hostname}:${new URL(t.url).port}`;
    await eventually('the service answers on its short host', async () => (await hostRequest(`${t.url}/`, host, { authorization: `Bearer ${ADMIN}` })).status === 200, 30_000);
    assert.deepEqual(labels(), [{ label: location.hostname.split('.')[0], service: `webapp-server-${session}` }]);
    assert.equal((await t.api('DELETE', base)).status, 200);
    assert.deepEqual(labels(), [], 'no label is kept for the stopped session');
    await eventually('the short host names no service any more', async () => (await hostRequest(`${t.url}/`, host, { authorization: `Bearer ${ADMIN}` })).status === 404);
  });

  it('gives the same label again when the session starts again, and none is left once the project is deleted', async () => {
    await start();
    // (The proxy remembers for a second that the stopped session's service was gone.)
    const again = await eventually('the restarted service hands off', async () => {
      const open = await t.api('GET', `/api/projects/alpha/services/webapp-server-${session}/open?port=${port}`);
      return open.status === 303 ? new URL(String(open.headers.get('location'))) : undefined;
    });
    assert.equal(labels().length, 1);
    assert.equal(labels()[0]!.label, again.hostname.split('.')[0]);
    const removed = await t.api('DELETE', '/api/projects/alpha?force=1');
    assert.equal(removed.status, 200, await removed.clone().text());
    assert.deepEqual(labels(), [], 'the deleted project keeps no label');
  });
});
