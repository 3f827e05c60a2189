import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { collect, parseJson, pipeline, writePipeline } from '../helpers/berth-cli.ts';
import { sandboxWithReceiver } from '../helpers/receiver.ts';

describe('dispatcher: SIGKILL with deliveries pending and in flight', () => {
  const { box, receiver, url: receiverUrl } = sandboxWithReceiver({ before, after });
  box.file('steps/ok.sh', 'echo ok\n');
  writePipeline(box, 'p.orchest', pipeline('p', [{ title: 'Ok', file: 'steps/ok.sh' }]));

  it('after a restart every event is delivered at least once, with the same delivery ids, none lost', async () => {
    assert.equal((await box.run(['webhook', 'add', 'k', receiverUrl(), '--secret', 'kill-test-secret-123'])).code, 0);
    for (let i = 0; i < 3; i++) assert.equal((await box.run(['run', 'p.orchest'])).code, 0);
    const all = parseJson((await box.run(['webhook', 'deliveries', '--json', '--limit', '500'])).stdout).deliveries as Array<{ uuid: string; event_uuid: string; status: string }>;
    assert.ok(all.length >= 10, `expected a backlog, got ${all.length}`);

    // The receiver holds every request open: 2 deliveries in flight, the rest pending.
    receiver.respond = () => 'hold';
    const env = { BERTH_WEBHOOK_CONCURRENCY: '4', BERTH_WEBHOOK_TIMEOUT_SECONDS: '120' };
    const first = box.spawn(['scheduler', '--no-jobs'], { env });
    const firstDone = collect(first);
    await receiver.waitFor((r) => r.length >= 2, 'two deliveries in flight');
    await sleep(200);
    assert.equal(receiver.received.length, 2, 'concurrency bounds what is in flight');
    const inFlight = receiver.received.map((r) => String(r.headers['x-berth-delivery']));
    first.kill('SIGKILL');
    await firstDone;
    for (const res of receiver.held.splice(0)) res.destroy();

    receiver.respond = () => 200;
    const second = box.spawn(['scheduler', '--no-jobs'], { env });
    const secondDone = collect(second);
    try {
      await receiver.waitFor((r) => new Set(r.map((x) => x.headers['x-berth-delivery'])).size >= all.length, 'every delivery');
    } finally {
      second.kill('SIGTERM');
    }
    const out = await secondDone;
    assert.match(out.stderr, /claimed by a dispatcher that died will be sent again/);

    const received = new Map<string, string[]>();
    for (const r of receiver.received) {
      const id = String(r.headers['x-berth-delivery']);
      received.set(id, [...(received.get(id) ?? []), JSON.parse(r.body).event.uuid]);
    }
    for (const d of all) {
      assert.ok(received.has(d.uuid), `delivery ${d.uuid} was sent`);
      assert.ok(received.get(d.uuid)!.every((e) => e === d.event_uuid), 'a delivery id always carries the same event');
    }
    for (const id of inFlight) assert.ok(received.get(id)!.length >= 2, `in-flight delivery ${id} was sent again with the same id`);
    const final = parseJson((await box.run(['webhook', 'deliveries', '--json', '--limit', '500'])).stdout).deliveries as Array<{ status: string }>;
    assert.ok(final.every((d) => d.status === 'DELIVERED'), JSON.stringify(final.map((d) => d.status)));
  });

  it('two dispatchers on one store send each delivery once', async () => {
    receiver.received.length = 0;
    receiver.respond = () => 200;
    for (let i = 0; i < 3; i++) assert.equal((await box.run(['run', 'p.orchest'])).code, 0);
    const pending = parseJson((await box.run(['webhook', 'deliveries', '--json', '--status', 'scheduled', '--limit', '500'])).stdout).deliveries as Array<{ uuid: string }>;
    assert.ok(pending.length >= 9);
    const env = { BERTH_WEBHOOK_CONCURRENCY: '2' };
    const [a, b] = await Promise.all([box.run(['scheduler', '--once', '--no-jobs'], { env }), box.run(['scheduler', '--once', '--no-jobs'], { env })]);
    assert.equal(a.code, 0, a.stderr);
    assert.equal(b.code, 0, b.stderr);
    const ids = receiver.received.map((r) => String(r.headers['x-berth-delivery']));
    assert.equal(ids.length, pending.length, 'no delivery was sent twice');
    assert.deepEqual(new Set(ids), new Set(pending.map((d) => d.uuid)));
  });
});
