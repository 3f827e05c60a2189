import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { TestServer } from '../helpers/berth-server.ts';
import { eventually } from '../helpers/instances.ts';

type View = { instance: string; status: string; runtime: string; img: string; command: string[]; pid: number };

/** The instance routes against a real server starting real process instances (supervisor + command). */
describe('instances over the API', () => {
  const t = new TestServer();
  const script = 'echo "hello-out $GREETING"; echo "admin-token=${BERTH_ADMIN_TOKEN:-none}"; echo hello-err >&2; trap "echo bye; exit 0" INT TERM; while true; do sleep 0.1; done';
  before(async () => {
    await t.start();
    await t.project('alpha');
  });
  after(async () => {
    await t.api('POST', '/api/instances/api-web/stop', { body: { signal: 'KILL', grace_seconds: 0 } });
    await t.close();
    t.cleanup();
  });

  it('starts an instance, lists and shows it with its status, and refuses a second one of the same name', async () => {
    const res = await t.api('POST', '/api/instances', { body: { name: 'api-web', args: ['/bin/sh', '-c', script], env: { GREETING: 'from-api' } } });
    assert.equal(res.status, 201, await res.clone().text());
    const started = (await res.json()) as View;
    assert.equal(started.instance, 'api-web');
    assert.equal(started.runtime, 'process');
    assert.equal(started.img, 'host');
    assert.deepEqual(started.command, ['/bin/sh', '-c', script]);
    const list = (await (await t.api('GET', '/api/instances')).json()) as { instances: View[] };
    assert.deepEqual(list.instances.map((i) => i.instance), ['api-web']);
    assert.match(list.instances[0]!.status, /^(starting|running)$/);
    const shown = (await (await t.api('GET', '/api/instances/api-web')).json()) as View;
    assert.equal(shown.pid, started.pid);
    const again = await t.api('POST', '/api/instances', { body: { name: 'api-web', args: ['/bin/true'] } });
    assert.equal(again.status, 409);
    assert.equal(((await again.json()) as { error: { code: string } }).error.code, 'BERTH_E_INSTANCE_EXISTS');
  });

  it("returns the instance's stdout and stderr as text", async () => {
    const text = await eventually('both lines in the log', async () => {
      const res = await t.api('GET', '/api/instances/api-web/logs');
      assert.equal(res.status, 200);
      assert.match(res.headers.get('content-type') ?? '', /^text\/plain/);
      const body = await res.text();
      return body.includes('hello-out from-api') && body.includes('hello-err') && body;
    });
    // The server's admin token is not handed to what the instance runs.
    assert.match(text, /admin-token=none/);
  });

  it('follows the log as Server-Sent Events until the instance is stopped through the API', async () => {
    const res = await t.api('GET', '/api/instances/api-web/logs?follow=1');
    assert.equal(res.headers.get('content-type'), 'text/event-stream; charset=utf-8');
    const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
    let seen = '';
    while (!seen.includes('hello-err')) seen += (await reader.read()).value ?? '';
    const stop = await t.api('POST', '/api/instances/api-web/stop', { body: { signal: 'TERM', grace_seconds: 5 } });
    assert.equal(stop.status, 200, await stop.clone().text());
    assert.deepEqual(await stop.json(), { stopped: ['api-web'] });
    for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) seen += chunk.value;
    const text = [...seen.matchAll(/^data: (".*")$/gm)].map((m) => JSON.parse(m[1]!) as string).join('');
    assert.match(text, /hello-out from-api\n/);
    assert.match(text, /hello-err\n/);
    assert.match(text, /bye\n/, 'what the instance printed while stopping');
    // Its supervisor found the server's store (the server's home came from its config, not the environment).
    assert.doesNotMatch(text, /starter ended/);
    assert.match(seen, /event: end\ndata: \{"status":"stopped"\}\n\n$/);
    assert.deepEqual(((await (await t.api('GET', '/api/instances')).json()) as { instances: View[] }).instances, []);
    // The log is kept after stop.
    assert.match(await (await t.api('GET', '/api/instances/api-web/logs')).text(), /hello-out from-api/);
  });

  it('answers bad input and unknown instances with coded errors naming the field', async () => {
    const missing = await t.api('GET', '/api/instances/nothing-here');
    assert.equal(missing.status, 404);
    assert.equal(((await missing.json()) as { error: { code: string } }).error.code, 'BERTH_E_INSTANCE_NOT_FOUND');
    assert.equal((await t.api('POST', '/api/instances/nothing-here/stop')).status, 404);
    const relative = await t.api('POST', '/api/instances', { body: { name: 'rel', args: ['/bin/true'], cwd: 'some/dir' } });
    assert.equal(relative.status, 400);
    assert.equal(((await relative.json()) as { error: { problems: Array<{ path: string }> } }).error.problems[0]!.path, 'cwd');
    const noCommand = await t.api('POST', '/api/instances', { body: { name: 'empty' } });
    assert.equal(noCommand.status, 400);
    assert.match(((await noCommand.json()) as { error: { message: string } }).error.message, /needs the command/);
    assert.equal((await t.api('POST', '/api/instances', { body: { name: 'bad name!', args: ['/bin/true'] } })).status, 400);
    assert.equal((await t.api('GET', '/api/instances/a*')).status, 400);
  });

  it('is for admin tokens only: a project token gets 403', async () => {
    const { token } = await t.token('alpha');
    for (const [method, path] of [['GET', '/api/instances'], ['POST', '/api/instances'], ['GET', '/api/instances/x/logs'], ['POST', '/api/instances/x/stop']] as const) {
      const res = await t.api(method, path, { token, body: method === 'POST' ? { name: 'x', args: ['/bin/true'] } : undefined });
      assert.equal(res.status, 403, `${method} ${path}`);
    }
  });
});

describe('service templates over the API', () => {
  const t = new TestServer();
  before(async () => {
    await t.start();
    await t.project('alpha');
  });
  after(async () => {
    await t.close();
    t.cleanup();
  });

  it("lists the built-in templates for a project's token, with their full definitions", async () => {
    const { token } = await t.token('alpha');
    const res = await t.api('GET', '/api/projects/alpha/service-templates', { token });
    assert.equal(res.status, 200);
    const { templates } = (await res.json()) as { templates: Array<{ name: string; definition: { image: string; ports: number[]; scope: string[] } }> };
    const redis = templates.find((x) => x.name === 'redis');
    assert.deepEqual(redis?.definition, { name: 'redis', image: 'redis', ports: [6379], exposed: true, requires_authentication: true, scope: ['interactive', 'noninteractive'] });
    assert.ok(templates.some((x) => x.name === 'tensorboard' && x.definition.ports.includes(6006)));
  });
});
