import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { TestServer } from '../helpers/berth-server.ts';
import { eventually } from '../helpers/eventually.ts';

type Json = Record<string, any>;
const PORT = 15000 + (process.pid % 1000) * 2;
const MAIN = `import http.server, os, sys
print("main starting", flush=True)
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = open("marker.txt").read().encode() if os.path.exists("marker.txt") else b"no marker"
        self.send_response(200); self.end_headers(); self.wfile.write(body)
http.server.HTTPServer(("127.0.0.1", int(sys.argv[1]) if len(sys.argv) > 1 else int(os.environ["PORT"])), H).serve_forever()
`;

describe('run code as a service (a project folder or a git URL in pip form)', () => {
  const t = new TestServer();
  let repo = '';
  before(async () => {
    await t.start();
    await t.project('code', {
      'svc/__main__.py': MAIN,
      'svc/setup.sh': 'echo "from project setup" > marker.txt\necho setup ran\n',
    });
    repo = join(t.root, 'repo');
    mkdirSync(join(repo, 'app'), { recursive: true });
    writeFileSync(join(repo, 'app', '__main__.py'), MAIN);
    writeFileSync(join(repo, 'app', 'setup.sh'), 'echo "from git setup" > marker.txt\n');
    writeFileSync(join(repo, 'app', 'requirements.txt'), '# nothing to install\n');
    const git = (...args: string[]) => execFileSync('git', ['-C', repo, ...args], { stdio: 'pipe' });
    git('init', '-q', '-b', 'main');
    git('-c', 'user.email=t@example.org', '-c', 'user.name=t', 'add', '.');
    git('-c', 'user.email=t@example.org', '-c', 'user.name=t', 'commit', '-qm', 'v1');
    git('tag', 'v1');
    writeFileSync(join(repo, 'app', 'setup.sh'), 'echo "changed after v1" > marker.txt\n');
    git('-c', 'user.email=t@example.org', '-c', 'user.name=t', 'commit', '-qam', 'v2');
  });
  after(async () => {
    for (const name of ['local', 'remote']) await t.api('DELETE', `/api/projects/code/services/${name}`);
    await t.close();
    t.cleanup();
  });

  it('runs a folder of the project: setup.sh first, then __main__.py', async () => {
    const res = await t.api('POST', '/api/projects/code/services', { body: { name: 'local', code: 'svc', ports: [PORT], env_variables: { PORT: String(PORT) } } });
    assert.equal(res.status, 201, await res.clone().text());
    const page = await eventually('the local code service to answer 200', async () => {
      const res = await t.api('GET', `/api/projects/code/services/local/${PORT}/`);
      return res.status === 200 && res;
    }, 60_000);
    assert.equal((await page.text()).trim(), 'from project setup');
    const log = await (await t.api('GET', '/api/projects/code/services/local/logs')).text();
    assert.match(log, /\[berth\] running setup\.sh\nsetup ran\n\[berth\] starting .*svc\nmain starting/);
  });

  it('clones a git URL at a ref, into a subdirectory, installs requirements.txt, then starts it', async () => {
    const res = await t.api('POST', '/api/projects/code/services', { body: { name: 'remote', code: `git+file://${repo}@v1#subdirectory=app`, ports: [PORT + 1], env_variables: { PORT: String(PORT + 1) } } });
    assert.equal(res.status, 201, await res.clone().text());
    const page = await eventually('the git code service to answer 200', async () => {
      const res = await t.api('GET', `/api/projects/code/services/remote/${PORT + 1}/`);
      return res.status === 200 && res;
    }, 60_000);
    assert.equal((await page.text()).trim(), 'from git setup', 'the v1 tag, not the newer commit');
    const log = await (await t.api('GET', '/api/projects/code/services/remote/logs')).text();
    assert.match(log, /\[berth\] cloning file:\/\/.* at v1\n\[berth\] running setup\.sh\n\[berth\] installing requirements\.txt\n[\s\S]*\[berth\] starting .*app\nmain starting/);
  });

  it('refuses code outside the project, missing code, and code together with a command', async () => {
    for (const [body, path] of [
      [{ name: 'x', code: '../elsewhere', ports: [1] }, 'body.code'],
      [{ name: 'x', code: 'missing/', ports: [1] }, 'body.code'],
      [{ name: 'x', code: 'svc', command: 'true', ports: [1] }, 'body.code'],
      [{ name: 'x', code: 'git+ftp://host/repo', ports: [1] }, 'body.code'],
    ] as const) {
      const res = await t.api('POST', '/api/projects/code/services', { body });
      assert.equal(res.status, 400, JSON.stringify(body));
      assert.equal(((await res.json()) as Json).error.problems[0].path, path);
    }
  });
});
