import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { parseJson, pipeline, writePipeline } from '../helpers/berth-cli.ts';
import { sandboxWithReceiver, type Received } from '../helpers/receiver.ts';

const SECRET = 'a-test-secret-of-some-length';

function signatureOk(r: Received, secret = SECRET): boolean {
  return r.headers['x-berth-signature-256'] === `sha256=${createHmac('sha256', secret).update(r.body).digest('hex')}`;
}

describe('webhooks: signed deliveries from the outbox', () => {
  const { box, receiver, url: receiverUrl } = sandboxWithReceiver({ before, after });
  box.file('steps/ok.sh', 'echo ok\n');
  box.file('steps/bad.sh', 'exit 3\n');
  writePipeline(box, 'p.orchest', pipeline('p', [{ title: 'Ok', file: 'steps/ok.sh' }, { title: 'Bad', file: 'steps/bad.sh', parents: ['Ok'] }]));

  it('adds a webhook without ever listing its secret; bad input is a coded error naming the field', async () => {
    const add = await box.run(['webhook', 'add', 'ci', receiverUrl(), '--secret', SECRET, '--event', 'project:pipeline:interactive-session:pipeline-run:failed', '--event', 'project:pipeline:interactive-session:pipeline-run:started', '--json']);
    assert.equal(add.code, 0, add.stderr);
    assert.equal(parseJson(add.stdout).generated_secret, null);
    const list = await box.run(['webhook', 'list', '--json']);
    assert.equal(list.code, 0);
    assert.ok(!list.stdout.includes(SECRET));
    assert.equal(parseJson(list.stdout).webhooks[0].has_secret, true);
    const table = await box.run(['webhook', 'list']);
    assert.ok(!table.stdout.includes(SECRET));
    const bad = await box.run(['webhook', 'add', 'x', 'ftp://nope', '--event', 'project:nothing']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /url: "ftp:\/\/nope" is not an http\(s\) URL/);
    assert.match(bad.stderr, /subscriptions\[0\]\.event_type: "project:nothing" is not an event type/);
    const dup = await box.run(['webhook', 'add', 'ci', receiverUrl()]);
    assert.equal(dup.code, 2);
    assert.match(dup.stderr, /BERTH_E_WEBHOOK_EXISTS/);
  });

  it('a failed run is delivered signed, with the failed steps, to the subscribed types only', async () => {
    const run = await box.run(['run', 'p.orchest', '--json']);
    assert.equal(run.code, 1);
    const runUuid = parseJson(run.stdout).run.uuid;
    const sent = await box.run(['scheduler', '--once', '--no-jobs']);
    assert.equal(sent.code, 0, sent.stderr);
    const types = receiver.received.map((r) => r.headers['x-berth-event']);
    assert.deepEqual(types.sort(), ['project:pipeline:interactive-session:pipeline-run:failed', 'project:pipeline:interactive-session:pipeline-run:started']);
    for (const r of receiver.received) {
      assert.ok(signatureOk(r), 'X-Berth-Signature-256 is sha256=<hmac of the raw body>');
      assert.equal(r.headers['user-agent'], 'Berth');
      assert.equal(r.headers['content-type'], 'application/json');
      assert.match(String(r.headers['x-berth-delivery']), /^[0-9a-f-]{36}$/);
    }
    const failed = JSON.parse(receiver.received.find((r) => String(r.headers['x-berth-event']).endsWith(':failed'))!.body);
    assert.equal(failed.delivered_for.name, 'ci');
    assert.equal(failed.delivered_for.url, undefined);
    const pr = failed.event.project.pipeline.session.pipeline_run;
    assert.equal(pr.uuid, runUuid);
    assert.equal(pr.status, 'FAILURE');
    assert.deepEqual(pr.failed_steps.map((s: { title: string }) => s.title), ['Bad']);
    assert.equal(failed.event.project.pipeline.name, 'p');
    const deliveries = parseJson((await box.run(['webhook', 'deliveries', '--json'])).stdout).deliveries;
    assert.deepEqual(deliveries.map((d: { status: string }) => d.status), ['DELIVERED', 'DELIVERED']);
  });

  it('a project-specific subscription gets only that project\'s events', async () => {
    receiver.received.length = 0;
    const project = parseJson((await box.run(['events', '--type', 'project:created', '--json'])).stdout).events[0].project.uuid;
    const other = '00000000-0000-4000-8000-00000000abcd';
    assert.equal((await box.run(['webhook', 'add', 'mine', receiverUrl(), '--project', project, '--event', 'project:pipeline:interactive-session:pipeline-run:created'])).code, 0);
    assert.equal((await box.run(['webhook', 'add', 'theirs', receiverUrl(), '--project', other, '--event', 'project:pipeline:interactive-session:pipeline-run:created'])).code, 0);
    await box.run(['run', 'p.orchest']);
    assert.equal((await box.run(['scheduler', '--once', '--no-jobs'])).code, 0);
    const created = receiver.received.filter((r) => r.headers['x-berth-event'] === 'project:pipeline:interactive-session:pipeline-run:created');
    assert.deepEqual(created.map((r) => JSON.parse(r.body).delivered_for.name), ['mine']);
    for (const name of ['mine', 'theirs']) assert.equal((await box.run(['webhook', 'rm', name])).code, 0);
  });

  it('form encoding and the Slack / Discord formats', async () => {
    receiver.received.length = 0;
    assert.equal((await box.run(['webhook', 'add', 'form', receiverUrl(), '--form', '--secret', SECRET, '--event', 'project:pipeline:interactive-session:pipeline-run:succeeded'])).code, 0);
    assert.equal((await box.run(['webhook', 'add', 'slack', receiverUrl(), '--format', 'slack', '--event', 'project:pipeline:interactive-session:pipeline-run:succeeded'])).code, 0);
    assert.equal((await box.run(['webhook', 'add', 'discord', receiverUrl(), '--format', 'discord', '--event', 'project:pipeline:interactive-session:pipeline-run:succeeded'])).code, 0);
    box.file('steps/bad.sh', 'exit 0\n');
    assert.equal((await box.run(['run', 'p.orchest'])).code, 0);
    assert.equal((await box.run(['scheduler', '--once', '--no-jobs'])).code, 0);
    const byName = (name: string) => receiver.received.find((r) => r.body.includes(`"name":"${name}"`) || r.body.includes(encodeURIComponent(`"name":"${name}"`)))!;
    const form = receiver.received.find((r) => r.headers['content-type'] === 'application/x-www-form-urlencoded')!;
    assert.ok(signatureOk(form));
    const fields = new URLSearchParams(form.body);
    assert.equal(JSON.parse(fields.get('delivered_for')!).name, 'form');
    assert.equal(JSON.parse(fields.get('event')!).type, 'project:pipeline:interactive-session:pipeline-run:succeeded');
    const slack = JSON.parse(byName('slack').body);
    assert.equal(typeof slack.text, 'string');
    assert.equal(JSON.parse(slack.text).type, 'project:pipeline:interactive-session:pipeline-run:succeeded');
    const discord = JSON.parse(byName('discord').body);
    assert.ok(typeof discord.content === 'string' && discord.content.length <= 2000);
  });

  it('retries with backoff, dead-letters after the attempt cap with the last error, and redelivers on demand', async () => {
    receiver.received.length = 0;
    receiver.respond = () => 503;
    const env = { BERTH_WEBHOOK_MAX_ATTEMPTS: '3', BERTH_WEBHOOK_BACKOFF_SECONDS: '0.01' };
    box.file('steps/bad.sh', 'exit 3\n');
    assert.equal((await box.run(['run', 'p.orchest'])).code, 1);
    for (let i = 0; i < 6; i++) await box.run(['scheduler', '--once', '--no-jobs'], { env });
    const dead = parseJson((await box.run(['webhook', 'deliveries', '--webhook', 'ci', '--status', 'dead', '--json'])).stdout).deliveries;
    assert.equal(dead.length, 2);
    for (const d of dead) {
      assert.equal(d.attempts, 3);
      assert.match(d.last_error, /HTTP 503/);
    }
    const ids = new Set(receiver.received.map((r) => r.headers['x-berth-delivery']));
    assert.equal(ids.size, 2, 'the delivery id is stable across retries');
    assert.equal(receiver.received.length, 6);
    receiver.respond = () => 200;
    const again = await box.run(['webhook', 'redeliver', dead[0].uuid.slice(0, 8)]);
    assert.equal(again.code, 0, again.stderr);
    await box.run(['scheduler', '--once', '--no-jobs'], { env });
    assert.equal(receiver.received.at(-1)!.headers['x-berth-delivery'], dead[0].uuid);
    const status = parseJson((await box.run(['webhook', 'deliveries', '--webhook', 'ci', '--json'])).stdout).deliveries.find((d: { uuid: string }) => d.uuid === dead[0].uuid).status;
    assert.equal(status, 'DELIVERED');
  });

  it('ping sends a signed test event and reports the answer; rm removes the webhook', async () => {
    receiver.received.length = 0;
    const ping = await box.run(['webhook', 'ping', 'ci', '--json']);
    assert.equal(ping.code, 0, ping.stderr);
    assert.equal(receiver.received[0]!.headers['x-berth-event'], 'ping');
    assert.ok(signatureOk(receiver.received[0]!));
    assert.equal(parseJson(ping.stdout).delivery, receiver.received[0]!.headers['x-berth-delivery']);
    const newSecret = 'a-rotated-secret-0123456789';
    const upd = await box.run(['webhook', 'update', 'ci', '--rename', 'ci2', '--secret', newSecret, '--event', '*', '--json']);
    assert.equal(upd.code, 0, upd.stderr);
    assert.deepEqual(parseJson(upd.stdout).webhook.subscriptions.map((s: { event_type: string }) => s.event_type), ['*']);
    assert.ok(!upd.stdout.includes(newSecret));
    assert.equal((await box.run(['webhook', 'ping', 'ci2'])).code, 0);
    assert.ok(signatureOk(receiver.received.at(-1)!, newSecret), 'signed with the new secret');
    const clash = await box.run(['webhook', 'update', 'ci2', '--rename', 'form']);
    assert.equal(clash.code, 2);
    assert.equal((await box.run(['webhook', 'rm', 'ci2'])).code, 0);
    const gone = await box.run(['webhook', 'ping', 'ci2']);
    assert.equal(gone.code, 2);
    assert.match(gone.stderr, /no webhook "ci2"/);
  });
});
