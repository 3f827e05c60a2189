import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { describe, it } from 'node:test';
import { backoffMs } from './backoff.ts';
import { formatForUrl, webhookRequest } from './webhook-request.ts';

const payload = JSON.stringify({ delivered_for: { name: 'n' }, event: { type: 't', uuid: 'e' } });

describe('webhook requests', () => {
  it('signs the exact raw body: sha256=<hex HMAC-SHA256>', () => {
    const req = webhookRequest({ deliveryUuid: 'd', eventType: 't', payloadJson: payload, contentType: 'application/json', format: 'generic', secret: 's3cret' });
    assert.equal(req.headers['x-berth-signature-256'], `sha256=${createHmac('sha256', 's3cret').update(req.body).digest('hex')}`);
    assert.deepEqual(JSON.parse(req.body), JSON.parse(payload));
    assert.equal(req.headers['x-berth-delivery'], 'd');
    assert.equal(req.headers['x-berth-event'], 't');
    assert.equal(req.headers['user-agent'], 'Berth');
    const other = webhookRequest({ deliveryUuid: 'd', eventType: 't', payloadJson: payload, contentType: 'application/json', format: 'generic', secret: 'other' });
    assert.notEqual(other.headers['x-berth-signature-256'], req.headers['x-berth-signature-256']);
    assert.equal(webhookRequest({ deliveryUuid: 'd', eventType: 't', payloadJson: payload, contentType: 'application/json', format: 'generic', secret: null }).headers['x-berth-signature-256'], undefined);
  });

  it('chat formats from the URL; Discord content is capped at 2000 characters', () => {
    assert.equal(formatForUrl('https://hooks.slack.com/services/x'), 'slack');
    assert.equal(formatForUrl('https://acme.webhook.office.com/x'), 'teams');
    assert.equal(formatForUrl('https://discord.com/api/webhooks/1/x'), 'discord');
    assert.equal(formatForUrl('https://example.com/hook'), 'generic');
    const big = JSON.stringify({ delivered_for: {}, event: { blob: 'x'.repeat(5000) } });
    const discord = JSON.parse(webhookRequest({ deliveryUuid: 'd', eventType: 't', payloadJson: big, contentType: 'application/json', format: 'discord', secret: null }).body);
    assert.equal(discord.content.length, 2000);
  });

  it('backoff grows exponentially with jitter and a cap', () => {
    const lo = (n: number) => backoffMs(n, { baseMs: 1000, capMs: 60_000, random: () => 0 });
    const hi = (n: number) => backoffMs(n, { baseMs: 1000, capMs: 60_000, random: () => 1 });
    assert.deepEqual([1, 2, 3, 4].map(hi), [1000, 2000, 4000, 8000]);
    assert.deepEqual([1, 2, 3, 4].map(lo), [500, 1000, 2000, 4000]);
    assert.equal(hi(30), 60_000);
  });
});
