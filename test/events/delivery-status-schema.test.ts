import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { TestServer } from '../helpers/berth-server.ts';

type Json = Record<string, any>;

describe('delivery statuses: the API document and the filter agree', () => {
  const t = new TestServer();
  before(async () => {
    await t.start();
  });
  after(async () => {
    await t.close();
    t.cleanup();
  });

  it('the document lists exactly the statuses the filter accepts (SCHEDULED, not PENDING)', async () => {
    const doc = (await (await t.api('GET', '/api/openapi.json', { token: null })).json()) as Json;
    const delivery = doc.components.schemas.Delivery.properties.status as Json;
    const documented = (delivery.anyOf as Json[]).map((s) => s.const ?? s.enum[0]).sort();
    assert.deepEqual(documented, ['DEAD', 'DELIVERED', 'DELIVERING', 'RESCHEDULED', 'SCHEDULED']);
    const param = (doc.paths['/api/deliveries'].get.parameters as Json[]).find((p) => p.name === 'status')!;
    const accepted = /: ([A-Z, ]+) \(any case\)/.exec((param.description ?? param.schema.description) as string)![1]!.split(', ').sort();
    assert.deepEqual(accepted, documented);
    for (const status of documented) assert.equal((await t.api('GET', `/api/deliveries?status=${status}`)).status, 200, status);
    assert.equal((await t.api('GET', '/api/deliveries?status=dead')).status, 200);
    const pending = await t.api('GET', '/api/deliveries?status=PENDING');
    assert.equal(pending.status, 400);
    assert.match(((await pending.json()) as Json).error.problems[0].fix, /SCHEDULED, RESCHEDULED, DELIVERING, DELIVERED, DEAD/);
  });
});
