import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { hostRequest } from '../helpers/host-request.ts';
import { PYTHON_IMAGE } from '../helpers/docker-test-context.ts';
import { AttackServer, attackRuntimes } from './attack-server.ts';

type Json = Record<string, any>;
const PORT = 23000 + (process.pid % 1000) * 2;

/** A service that answers with origin-wide headers and Berth's cookie names, and prints a line to its log. */
const HEADERS_SERVICE = `
const http = require('node:http');
console.log('life:' + process.argv[3]);
http.createServer((req, res) => {
  res.setHeader('clear-site-data', '"*"');
  res.setHeader('set-cookie', ['berth_token=planted; Path=/', 'berth_service_session=planted; Domain=localhost; Path=/', 'theme=dark; Path=/']);
  res.end('ok');
}).listen(Number(process.argv[2]), '127.0.0.1');
`;

/** Its twin for the docker runtime's test image (no Node there). No single quotes: it goes inline to sh -c. */
const HEADERS_SERVICE_PY = `
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
print("life:" + sys.argv[2], flush=True)
class H(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass
    def do_GET(self):
        self.send_response(200)
        self.send_header("clear-site-data", "\\"*\\"")
        for c in ("berth_token=planted; Path=/", "berth_service_session=planted; Domain=localhost; Path=/", "theme=dark; Path=/"):
            self.send_header("set-cookie", c)
        self.send_header("content-length", "2")
        self.end_headers()
        self.wfile.write(b"ok")
ThreadingHTTPServer(("0.0.0.0", int(sys.argv[1])), H).serve_forever()
`;

async function waitUp(s: AttackServer, path: string): Promise<void> {
  for (let i = 0; i < 1200; i++) {
    const r = await s.api('GET', path, { token: s.tokenA });
    await r.arrayBuffer();
    if (r.status === 200) return;
    await new Promise((res) => setTimeout(res, 50));
  }
  throw new Error(`${path} never answered`);
}

for (const runtime of await attackRuntimes('answers leak nothing')) describe(`security (${runtime} runtime): answers leak nothing across projects`, () => {
  const s = new AttackServer(runtime);
  /** The headers service for this runtime, printing `life` to its log. */
  const headersService = (life: string) =>
    runtime === 'docker'
      ? { name: 'hdr', image: PYTHON_IMAGE, command: 'python3', args: `-c '${HEADERS_SERVICE_PY}' ${PORT} ${life}`, ports: [PORT] }
      : { name: 'hdr', command: process.execPath, args: `${script} ${PORT} ${life}`, ports: [PORT] };
  let runUuid = '';
  let script = '';
  before(async () => {
    await s.start();
    script = s.file('a', 'headers.cjs', HEADERS_SERVICE);
    const ran = await s.run('a');
    assert.equal(ran.status, 'SUCCESS');
    runUuid = ((await (await s.api('GET', '/api/projects/a/runs', { token: s.tokenA })).json()) as Json).runs[0].uuid;
  });
  after(async () => {
    await s.api('DELETE', '/api/projects/a/services/hdr');
    await s.stop();
    s.cleanup();
  });

  it("another project's run is a 404 like no run at all: no uuid echoed, no prefix oracle", async () => {
    const answers = new Set<string>();
    for (const ref of [runUuid, runUuid.slice(0, 1), runUuid.slice(0, 8), 'f'.repeat(8) === runUuid.slice(0, 8) ? 'e'.repeat(8) : 'f'.repeat(8)]) {
      for (const path of [`/api/runs/${ref}`, `/api/runs/${ref}/steps/Only/logs`]) {
        const res = await s.api('GET', path, { token: s.tokenB });
        const text = await res.text();
        assert.equal(res.status, 404, `${path}: ${text}`);
        if (ref !== runUuid) assert.equal(text.includes(runUuid), false, `${path} names the run`);
        answers.add(`${res.status} ${(JSON.parse(text) as Json).error.code}`);
      }
    }
    assert.deepEqual([...answers], ['404 BERTH_E_RUN_NOT_FOUND'], 'the same answer whether the run exists or not');
    assert.equal((await s.api('GET', `/api/runs/${runUuid.slice(0, 8)}`, { token: s.tokenA })).status, 200, 'its own project still finds it by prefix');
    assert.equal((await s.api('GET', `/api/runs/${runUuid.slice(0, 8)}`)).status, 200, 'the admin too');
  });

  it("/api/jobs/{x}: another project's job answers exactly like a missing one; job names are per project", async () => {
    s.file('b', 'check.orchest', JSON.stringify({ name: 'check', uuid: '11111111-2222-4333-8444-555555555555', version: '1.2.3', parameters: {}, settings: {}, steps: {} }));
    for (const project of ['a', 'b']) {
      const res = await s.api('POST', `/api/projects/${project}/jobs`, { body: { name: 'nightly', pipeline_path: 'check.orchest', cron: '0 3 * * *', draft: true } });
      assert.equal(res.status, 201, await res.text());
    }
    const jobA = ((await (await s.api('GET', '/api/projects/a/jobs', { token: s.tokenA })).json()) as Json).jobs[0].uuid as string;
    const other = await s.api('GET', `/api/jobs/${jobA.slice(0, 8)}`, { token: s.tokenB });
    const missing = await s.api('GET', '/api/jobs/00000000-0000-4000-8000-000000000000', { token: s.tokenB });
    const otherText = await other.text();
    assert.equal(other.status, 404);
    assert.equal(missing.status, 404);
    assert.equal(otherText.includes(jobA), false);
    assert.equal((JSON.parse(otherText) as Json).error.code, ((await missing.json()) as Json).error.code);
    const own = await s.api('GET', '/api/jobs/nightly', { token: s.tokenB });
    assert.equal(own.status, 200, 'a name another project also uses is not ambiguous for a project token');
    assert.equal((await s.api('GET', '/api/projects/b/jobs/nightly', { token: s.tokenB })).status, 200);
  });

  it('path-routed answers drop Clear-Site-Data and Berth cookies; host-routed ones drop Berth cookies', async () => {
    const deployed = await s.api('POST', '/api/projects/a/services', { token: s.tokenA, body: headersService('first') });
    assert.equal(deployed.status, 201, await deployed.clone().text());
    await waitUp(s, `/api/projects/a/services/hdr/${PORT}/`);
    const path = await s.api('GET', `/api/projects/a/services/hdr/${PORT}/`, { token: s.tokenA });
    assert.equal(path.status, 200);
    assert.equal(path.headers.get('clear-site-data'), null);
    assert.deepEqual(path.headers.getSetCookie(), [`theme=dark; Path=/api/projects/a/services/hdr/${PORT}/`]);
    const host = await hostRequest(`${s.url}/`, `hdr--a--${PORT}.localhost:${s.port}`, { authorization: `Bearer ${s.tokenA}` });
    assert.equal(host.status, 200, host.body);
    assert.equal(host.headers['clear-site-data'], '"*"', 'on its own origin a service may clear its own data');
    assert.deepEqual(host.headers['set-cookie'], ['theme=dark; Path=/']);
  });

  it("a service created again under a removed one's name starts with an empty log", async () => {
    const log = async () => (await s.api('GET', '/api/projects/a/services/hdr/logs', { token: s.tokenA })).text();
    for (let i = 0; i < 1200 && !(await log()).includes('life:first'); i++) await new Promise((r) => setTimeout(r, 50));
    assert.match(await log(), /life:first/);
    assert.equal((await s.api('DELETE', '/api/projects/a/services/hdr', { token: s.tokenA })).status, 204);
    const again = await s.api('POST', '/api/projects/a/services', { token: s.tokenA, body: headersService('second') });
    assert.equal(again.status, 201, await again.clone().text());
    for (let i = 0; i < 1200 && !(await log()).includes('life:second'); i++) await new Promise((r) => setTimeout(r, 50));
    const text = await log();
    assert.match(text, /life:second/);
    assert.doesNotMatch(text, /life:first/);
  });

  it('webhook URLs with user:pass@ are redacted in every answer', async () => {
    const created = await s.api('POST', '/api/webhooks', { body: { name: 'creds', url: 'http://hookuser:hookpass@127.0.0.1:9/hook?x=1', subscriptions: [{ event_type: 'project:created' }] } });
    assert.equal(created.status, 201, await created.clone().text());
    const answers = [
      await created.text(),
      await (await s.api('GET', '/api/webhooks')).text(),
      await (await s.api('GET', '/api/webhooks/creds')).text(),
      await (await s.api('PUT', '/api/webhooks/creds', { body: { content_type: 'application/json' } })).text(),
    ];
    for (const a of answers) {
      assert.equal(/hookpass|hookuser/.test(a), false, a);
      assert.match(a, /http:\/\/\*\*\*@127\.0\.0\.1:9\/hook\?x=1/);
    }
  });

  it('failed tokens from one address never lock out a valid token; X-Forwarded-For does not move the count', async () => {
    for (let i = 0; i < 31; i++) await (await s.api('GET', '/api/projects', { token: `wrong-${i}`, headers: { 'x-forwarded-for': `10.0.0.${i}` } })).arrayBuffer();
    const limited = await s.api('GET', '/api/projects', { token: 'wrong-again', headers: { 'x-forwarded-for': '10.9.9.9' } });
    assert.equal(limited.status, 429, 'a spoofed X-Forwarded-For is not another address');
    assert.equal((await s.api('GET', '/api/projects')).status, 200, 'the admin from the same address still gets in');
    assert.equal((await s.api('GET', '/api/projects/a', { token: s.tokenA })).status, 200, 'and so does a project token');
  });
});
