import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { TestServer } from '../helpers/berth-server.ts';
import { dockerTestContext, PYTHON_IMAGE } from '../helpers/docker-test-context.ts';
import { killLeftovers } from './leftovers.ts';

const ctx = await dockerTestContext('docker service environment');

/** Prints the container's variable names, its PATH, and what GET $BERTH_ENDPOINT/api/health answers. */
const PROBE = `
import json, os, sys, time, urllib.request
print("names", json.dumps(sorted(os.environ)), flush=True)
print("path", os.environ.get("PATH"), flush=True)
print("endpoint", os.environ.get("BERTH_ENDPOINT"), flush=True)
try:
    with urllib.request.urlopen(os.environ["BERTH_ENDPOINT"] + "/api/health", timeout=5) as r:
        print("health", r.status, json.loads(r.read())["status"], flush=True)
except Exception as e:
    print("health failed", e, flush=True)
time.sleep(300)
`;

describe("Docker project services get the image environment, never the server's (issue 19 item 3)", { skip: !ctx.available && 'needs Docker' }, () => {
  const t = new TestServer();
  before(async () => {
    await t.start({ env: { BERTH_RUNTIME: 'docker', SERVER_ONLY_SECRET: 'do-not-leak', PATH: `/server/only/bin:${process.env.PATH}` } });
    await t.project('dock');
  });
  after(async () => {
    await t.api('DELETE', '/api/projects/dock/services/probe').catch(() => undefined);
    await t.close();
    await killLeftovers(t.root);
    t.cleanup();
  });

  it("the container sees the image's PATH, Berth's and the user's variables only, and reaches /api/health through BERTH_ENDPOINT", async () => {
    const { token } = await t.token('dock');
    const res = await t.api('POST', '/api/projects/dock/services', {
      token,
      body: { name: 'probe', image: PYTHON_IMAGE, command: 'python3', args: `-c '${PROBE.replace(/'/g, "'\\''")}'`, ports: [8080], env_variables: { MINE: '1' } },
    });
    assert.equal(res.status, 201, await res.clone().text());
    let log = '';
    for (let i = 0; i < 150 && !/^health/m.test(log); i++) {
      await new Promise((r) => setTimeout(r, 100));
      log = await (await t.api('GET', '/api/projects/dock/services/probe/logs')).text();
    }
    const names = JSON.parse(/^names (.*)$/m.exec(log)?.[1] ?? '[]') as string[];
    assert.ok(!names.includes('SERVER_ONLY_SECRET'), log);
    assert.ok(names.includes('MINE') && names.includes('BERTH_API_TOKEN'), log);
    assert.doesNotMatch(/^path (.*)$/m.exec(log)?.[1] ?? '', /\/server\/only\/bin/, log);
    assert.match(log, /^endpoint http:\/\/host\.docker\.internal:\d+$/m, log);
    assert.match(log, /^health 200 ok$/m, log);
  });
});
