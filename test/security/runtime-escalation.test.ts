import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { chmodSync, chownSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { REPO } from '../helpers/berth-cli.ts';
import { startServerProcess } from '../helpers/berth-server-process.ts';
import { runnableByOthers } from '../../src/runtimes/process/runnable-by-others.ts';
import { projectGroupName } from '../../src/runtimes/process/workload-user.ts';
import { PYTHON_IMAGE } from '../helpers/docker-test-context.ts';
import { eventually } from '../helpers/eventually.ts';
import { AttackServer, attackRuntimes } from './attack-server.ts';
import { killLeftovers } from './leftovers.ts';

const ADMIN = 'escalation-admin-token-0123456789';
/** This run's own workload user (several checkouts may run this file at once; each removes only its own). */
const WORKLOAD_USER = `berth-t-${process.pid}`;
const isRoot = process.getuid?.() === 0;

/**
 * Issue 19 item 2, replayed: a service deployed with a project token looks for the server's
 * BERTH_HOME in /proc/<pid>/environ, opens berth.db and inserts an admin token row; then the
 * attacker calls an admin route with it. The script prints what it managed to do.
 */
const ESCALATE = String.raw`
import hashlib, os, sqlite3, sys, time, uuid
home = None
# Only the server this test started (other Berth servers may run on the machine).
for pid in [os.environ['SERVER_PID']]:
    try:
        env = open('/proc/%s/environ' % pid, 'rb').read().split(b'\0')
    except OSError as e:
        continue
    for kv in env:
        if kv.startswith(b'BERTH_HOME='):
            home = kv.split(b'=', 1)[1].decode()
print('home', home, flush=True)
db = os.path.join(home or os.environ.get('GUESS_HOME', ''), 'berth.db')
try:
    con = sqlite3.connect(db)
    con.execute("insert into tokens (id, name, scope, project_uuid, hash, service, created_at) values (?, 'pwned', 'admin', null, ?, null, '2026-01-01T00:00:00Z')",
                (str(uuid.uuid4()), hashlib.sha256(b'berth_forged_admin_token').hexdigest()))
    con.commit()
    print('inserted', flush=True)
except Exception as e:
    print('refused', type(e).__name__, e, flush=True)
for path in (home or os.environ.get('GUESS_HOME', ''), os.path.join(os.environ.get('OTHER_PROJECT', ''), 'secret.txt')):
    try:
        os.listdir(path) if os.path.isdir(path) else open(path).read()
        print('read', path, flush=True)
    except OSError as e:
        print('denied', path, type(e).__name__, flush=True)
print('docker.sock', os.path.exists('/var/run/docker.sock'), flush=True)
print('done', flush=True)
time.sleep(int(os.environ.get('STAY', '300')))
`;

describe('a project token cannot become admin through a host service (issue 19 item 2)', { skip: !isRoot && 'needs root (the server drops workloads to BERTH_WORKLOAD_USER)' }, () => {
  // Project folders live where another user may pass (/tmp's mkdtemp folders are 0700).
  const root = mkdtempSync(join(tmpdir(), 'berth-escalation-'));
  chmodSync(root, 0o711);
  const home = join(root, 'home');
  const projects: string[] = [];
  let server: Awaited<ReturnType<typeof startServerProcess>>;
  const api = (method: string, path: string, token: string, body?: unknown) =>
    fetch(`${server.url}${path}`, { method, headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) }, body: body ? JSON.stringify(body) : undefined });

  before(async () => {
    for (const name of ['attacker', 'victim']) {
      mkdirSync(join(root, name, '.orchest'), { recursive: true });
      writeFileSync(join(root, name, 'secret.txt'), `${name}'s secret\n`);
    }
    writeFileSync(join(root, 'attacker', 'escalate.py'), ESCALATE);
    server = await startServerProcess({ BERTH_HOME: home, BERTH_ADMIN_TOKEN: ADMIN, BERTH_SINGLE_USER: '', BERTH_WORKLOAD_USER: WORKLOAD_USER });
    for (const name of ['attacker', 'victim']) {
      const res = await api('POST', '/api/projects', ADMIN, { name, path: join(root, name) });
      assert.equal(res.status, 201);
      projects.push(((await res.json()) as { uuid: string }).uuid);
    }
  });
  after(async () => {
    await api('DELETE', '/api/projects/attacker/services/escalate', ADMIN).catch(() => undefined);
    await server?.stop();
    // Nothing of the test's stays: its processes, the OS user and the project groups the server created.
    await killLeftovers(root);
    removeWorkloadUser(WORKLOAD_USER, projects);
    rmSync(root, { recursive: true, force: true });
  });

  it('the escalation script finds nothing and inserts nothing; the forged token is refused; BERTH_HOME is 0700/0710 and berth.db 0600', async () => {
    const created = (await (await api('POST', '/api/tokens', ADMIN, { name: 'attacker', project: 'attacker' })).json()) as { token: string };
    const deploy = await api('POST', '/api/projects/attacker/services', created.token, {
      name: 'escalate',
      command: '/usr/bin/python3',
      args: 'escalate.py',
      ports: [39_871],
      env_variables: { GUESS_HOME: home, OTHER_PROJECT: join(root, 'victim'), SERVER_PID: String(server.child.pid) },
    });
    assert.equal(deploy.status, 201, await deploy.clone().text());
    let log = '';
    for (let i = 0; i < 100 && !log.includes('done'); i++) {
      await new Promise((r) => setTimeout(r, 100));
      log = await (await api('GET', '/api/projects/attacker/services/escalate/logs', ADMIN)).text();
    }
    assert.match(log, /done/, log);
    assert.match(log, /^home None$/m, `the server's environment must not be readable: ${log}`);
    assert.doesNotMatch(log, /inserted/, log);
    assert.match(log, /refused/, log);
    assert.match(log, new RegExp(`denied ${home} PermissionError`), log);
    assert.match(log, /denied .*victim\/secret.txt PermissionError/, log);
    const forged = await api('GET', '/api/tokens', 'berth_forged_admin_token');
    assert.equal(forged.status, 401);
    assert.equal(statSync(join(home, 'berth.db')).mode & 0o777, 0o600);
    assert.ok([0o700, 0o710].includes(statSync(home).mode & 0o777), (statSync(home).mode & 0o777).toString(8));
  });

  it("a project token's run steps run as the workload user and still write outputs, the data folder and notebooks", async () => {
    const created = (await (await api('POST', '/api/tokens', ADMIN, { name: 'victim', project: 'victim' })).json()) as { token: string };
    const uuid = '00000000-0000-4000-8000-000000000001';
    writeFileSync(join(root, 'victim', 'who.sh'), 'id -un; echo hi > "$BERTH_DATA_DIR/from-step.txt" || exit 3; cat secret.txt || exit 4; touch made-by-step || exit 5\n');
    writeFileSync(join(root, 'victim', 'p.orchest'), JSON.stringify({ name: 'p', uuid: '11111111-2222-4333-8444-555555555555', version: '1.2.3', parameters: {}, settings: {}, steps: { [uuid]: { uuid, title: 'who', file_path: 'who.sh', incoming_connections: [], environment: '', kernel: { name: 'bash' }, parameters: {}, meta_data: { hidden: false, position: [0, 0] } } } }));
    const res = await api('POST', '/api/projects/victim/runs', created.token, { pipeline: 'p.orchest' });
    assert.equal(res.status, 201, await res.clone().text());
    const run = ((await res.json()) as { run: { uuid: string } }).run.uuid;
    let report: { run: { status: string }; steps: Array<{ uuid?: string; status: string; reason: string | null }> };
    do {
      await new Promise((r) => setTimeout(r, 100));
      report = (await (await api('GET', `/api/runs/${run}`, ADMIN)).json()) as typeof report;
    } while (['PENDING', 'STARTED'].includes(report.run.status));
    const log = await (await api('GET', `/api/runs/${run}/steps/${uuid}/logs`, ADMIN)).text();
    assert.equal(report.run.status, 'SUCCESS', `${JSON.stringify(report)}\n${log}`);
    assert.equal(statSync(join(home, 'data', 'from-step.txt')).uid, workloadUid(), 'what the step wrote belongs to the workload user');
    // It joins the launcher's kept mount namespace, then drops to the workload user: no user namespace, no capabilities.
    assert.match(log, new RegExp(`^${WORKLOAD_USER}\n`), log);
    assert.match(log, /victim's secret/);
  });
  it("a job created with a project token runs its steps as the workload user from its snapshot", async () => {
    rmSync(join(home, 'data', 'from-step.txt'), { force: true });
    const created = (await (await api('POST', '/api/tokens', ADMIN, { name: 'victim-jobs', project: 'victim' })).json()) as { token: string };
    const res = await api('POST', '/api/projects/victim/jobs', created.token, { name: 'now', pipeline_path: 'p.orchest' });
    assert.equal(res.status, 201, await res.clone().text());
    const job = ((await res.json()) as { job: { uuid: string } }).job.uuid;
    type Show = { runs: Array<{ uuid: string; status: string }> };
    let show: Show;
    do {
      await new Promise((r) => setTimeout(r, 200));
      show = (await (await api('GET', `/api/projects/victim/jobs/${job}`, ADMIN)).json()) as Show;
    } while (show.runs.length === 0 || show.runs.some((r) => ['PENDING', 'STARTED'].includes(r.status)));
    const run = show.runs[0]!.uuid;
    const log = await (await api('GET', `/api/runs/${run}/steps/00000000-0000-4000-8000-000000000001/logs`, ADMIN)).text();
    assert.equal(show.runs[0]!.status, 'SUCCESS', log);
    assert.equal(statSync(join(home, 'data', 'from-step.txt')).uid, workloadUid(), 'what the job run wrote belongs to the workload user');
  });

  it('a .js step run as the workload user either runs on a Node.js every user can run or fails before starting, naming the cause and the fix (never exit 126)', async () => {
    const created = (await (await api('POST', '/api/tokens', ADMIN, { name: 'victim-js', project: 'victim' })).json()) as { token: string };
    const uuid = '00000000-0000-4000-8000-000000000003';
    writeFileSync(join(root, 'victim', 'hello.js'), "console.log('js-ok');\n");
    writeFileSync(join(root, 'victim', 'js.orchest'), JSON.stringify({ name: 'js', uuid: '11111111-2222-4333-8444-555555555556', version: '1.2.3', parameters: {}, settings: {}, steps: { [uuid]: { uuid, title: 'js', file_path: 'hello.js', incoming_connections: [], environment: '', kernel: { name: 'javascript' }, parameters: {}, meta_data: { hidden: false, position: [0, 0] } } } }));
    const runJs = async (env?: Record<string, string>) => {
      const res = await api('POST', '/api/projects/victim/runs', created.token, { pipeline: 'js.orchest', ...(env ? { env } : {}) });
      assert.equal(res.status, 201, await res.clone().text());
      const run = ((await res.json()) as { run: { uuid: string } }).run.uuid;
      type Report = { run: { status: string }; steps: Array<{ status: string; exit_code: number | null; reason: string | null }> };
      let report: Report;
      do {
        await new Promise((r) => setTimeout(r, 100));
        report = (await (await api('GET', `/api/runs/${run}`, ADMIN)).json()) as Report;
      } while (['PENDING', 'STARTED'].includes(report.run.status));
      return { step: report.steps[0]!, log: await (await api('GET', `/api/runs/${run}/steps/${uuid}/logs`, ADMIN)).text() };
    };
    const first = await runJs();
    assert.notEqual(first.step.exit_code, 126, JSON.stringify(first));
    if (runnableByOthers(process.execPath)) assert.equal(first.log, 'js-ok\n', JSON.stringify(first));
    else if (first.step.status !== 'SUCCESS') {
      assert.equal(first.step.exit_code, null, 'it never started');
      assert.match(first.step.reason ?? '', new RegExp(`cannot be run by the workload user ${WORKLOAD_USER} .*install Node\\.js 24 system-wide`), JSON.stringify(first));
    }
    // A Node.js every user can run, first on the step's PATH: the step runs on it.
    const bin = join(root, 'bin');
    mkdirSync(bin, { recursive: true });
    copyFileSync(process.execPath, join(bin, 'node'));
    chmodSync(join(bin, 'node'), 0o755);
    const second = await runJs({ PATH: `${bin}:/usr/local/bin:/usr/bin:/bin` });
    assert.deepEqual([second.step.status, second.log], ['SUCCESS', 'js-ok\n'], JSON.stringify(second));
  });

  it("a step cannot make the server write or read host files through links in its run folder's logs", async () => {
    const created = (await (await api('POST', '/api/tokens', ADMIN, { name: 'victim-links', project: 'victim' })).json()) as { token: string };
    const outside = join(root, 'outside');
    mkdirSync(outside, { recursive: true });
    writeFileSync(join(outside, 'target.txt'), 'original\n');
    writeFileSync(join(outside, 'secret.txt'), 'host secret\n');
    const [first, second] = ['00000000-0000-4000-8000-000000000001', '00000000-0000-4000-8000-000000000002'];
    const step = (uuid: string, file: string, parents: string[]) => ({ uuid, title: file, file_path: file, incoming_connections: parents, environment: '', kernel: { name: 'bash' }, parameters: {}, meta_data: { hidden: false, position: [0, 0] } });
    writeFileSync(join(root, 'victim', 'plant.sh'), `logs="$(dirname "$ORCHEST_PIPELINE_PATH")/logs"\nln -sf ${join(outside, 'target.txt')} "$logs/${second}.log" && echo planted-second\nln -sf ${join(outside, 'secret.txt')} "$logs/${first}.log" && echo planted-first\nexit 0\n`);
    writeFileSync(join(root, 'victim', 'after.sh'), 'echo INJECTED\n');
    writeFileSync(join(root, 'victim', 'plant.orchest'), JSON.stringify({ name: 'plant', uuid: '11111111-2222-4333-8444-555555555558', version: '1.2.3', parameters: {}, settings: {}, steps: { [first]: step(first, 'plant.sh', []), [second]: step(second, 'after.sh', [first]) } }));
    const res = await api('POST', '/api/projects/victim/runs', created.token, { pipeline: 'plant.orchest' });
    assert.equal(res.status, 201, await res.clone().text());
    const run = ((await res.json()) as { run: { uuid: string } }).run.uuid;
    let status = 'PENDING';
    while (['PENDING', 'STARTED'].includes(status)) {
      await new Promise((r) => setTimeout(r, 100));
      status = ((await (await api('GET', `/api/runs/${run}`, ADMIN)).json()) as { run: { status: string } }).run.status;
    }
    assert.equal(readFileSync(join(outside, 'target.txt'), 'utf8'), 'original\n', "a step's output was appended to a host file through a link");
    for (const uuid of [first, second]) assert.doesNotMatch(await (await api('GET', `/api/runs/${run}/steps/${uuid}/logs`, created.token)).text(), /host secret|original/);
  });

  it('a project at the top of the file system is neither closed nor shared: its host workloads are refused with a clear error', async () => {
    const shallow = mkdtempSync('/berth-shallow-');
    try {
      chmodSync(shallow, 0o755);
      mkdirSync(join(shallow, '.orchest'));
      const registered = await api('POST', '/api/projects', ADMIN, { name: 'shallow', path: shallow });
      assert.equal(registered.status, 201);
      projects.push(((await registered.json()) as { uuid: string }).uuid);
      assert.equal(statSync(shallow).mode & 0o777, 0o755, 'its mode is left alone');
      const res = await api('POST', '/api/projects/shallow/services', ADMIN, { name: 's', command: 'sleep', args: '30', ports: [39_873] });
      const body = (await res.json()) as { error: { code: string; problems: Array<{ fix: string }> } };
      assert.equal(res.status, 403, JSON.stringify(body));
      assert.equal(body.error.code, 'BERTH_E_FORBIDDEN');
      assert.match(body.error.problems[0]!.fix, /\/srv\/berth\/projects/);
      assert.equal(statSync(shallow).gid, 0, 'not given to a group');
    } finally {
      await api('DELETE', '/api/projects/shallow?force=1', ADMIN);
      rmSync(shallow, { recursive: true, force: true });
    }
  });
});

describe('a server that cannot switch users refuses host workloads to project tokens (issue 19 item 2)', { skip: !isRoot && 'needs root to start the server as another user' }, () => {
  const root = mkdtempSync(join(tmpdir(), 'berth-refuse-'));
  chmodSync(root, 0o711);
  const NOBODY = 65534;
  let server: { url: string; child: ChildProcess } | undefined;
  const api = (method: string, path: string, token: string, body?: unknown) =>
    fetch(`${server!.url}${path}`, { method, headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) }, body: body ? JSON.stringify(body) : undefined });
  const start = async (env: Record<string, string>): Promise<void> => {
    const home = join(root, `home-${Object.keys(env).length}`);
    mkdirSync(home);
    chownSync(home, NOBODY, NOBODY);
    const node = join(root, 'node');
    if (!existsSync(node)) copyFileSync(process.execPath, node);
    const child = spawn('setpriv', [`--reuid=${NOBODY}`, `--regid=${NOBODY}`, '--clear-groups', node, join(REPO, 'bin', 'berth.ts'), 'server', '--port', '0', '--log-level', 'warn'], {
      cwd: '/',
      env: { PATH: process.env.PATH, HOME: home, BERTH_HOME: home, BERTH_ADMIN_TOKEN: ADMIN, ...env },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let err = '';
    const url = await new Promise<string>((resolve, reject) => {
      child.stderr!.on('data', (d: Buffer) => {
        err += d.toString();
        const m = /listening on (http:\/\/\S+)/.exec(err);
        if (m) resolve(m[1]!);
      });
      child.on('exit', (code) => reject(new Error(`berth server exited with ${code}: ${err}`)));
    });
    server = { url, child };
    mkdirSync(join(root, 'p', '.orchest'), { recursive: true });
    chmodSync(join(root, 'p'), 0o777);
    await api('POST', '/api/projects', ADMIN, { name: 'p', path: join(root, 'p') });
  };
  const stop = async () => {
    if (server && server.child.exitCode === null) {
      server.child.kill('SIGTERM');
      await once(server.child, 'exit');
    }
    server = undefined;
  };
  after(async () => {
    await stop();
    await killLeftovers(root);
    rmSync(root, { recursive: true, force: true });
  });

  it('answers 403 BERTH_E_HOST_WORKLOADS_REFUSED naming the opt-in; admin tokens and --single-user still start them', async () => {
    await start({});
    const token = ((await (await api('POST', '/api/tokens', ADMIN, { name: 't', project: 'p' })).json()) as { token: string }).token;
    const service = { name: 'sleeper', command: 'sleep', args: '30', ports: [39_872] };
    const refused = await api('POST', '/api/projects/p/services', token, service);
    assert.equal(refused.status, 403);
    const body = (await refused.json()) as { error: { code: string; message: string; problems: Array<{ fix: string }> } };
    assert.equal(body.error.code, 'BERTH_E_HOST_WORKLOADS_REFUSED');
    assert.match(body.error.problems[0]!.fix, /--single-user/);
    const run = await api('POST', '/api/projects/p/runs', token, { pipeline: 'none.orchest' });
    assert.equal(run.status, 403);
    const admin = await api('POST', '/api/projects/p/services', ADMIN, service);
    assert.equal(admin.status, 201, await admin.clone().text());
    await api('DELETE', '/api/projects/p/services/sleeper', ADMIN);
    await stop();
    await start({ BERTH_SINGLE_USER: '1' });
    const token2 = ((await (await api('POST', '/api/tokens', ADMIN, { name: 't', project: 'p' })).json()) as { token: string }).token;
    const allowed = await api('POST', '/api/projects/p/services', token2, service);
    assert.equal(allowed.status, 201, await allowed.clone().text());
    await api('DELETE', '/api/projects/p/services/sleeper', ADMIN);
  });
});

/**
 * Item 2 on the docker runtime: the same script as a service and as a step deployed with a project
 * token, in a container. It sees neither the server's /proc nor BERTH_HOME nor another project's
 * folder (nothing of them is mounted) nor the Docker socket.
 */
const dockerRuntime = (await attackRuntimes('the escalation script')).includes('docker');
describe('a project token cannot become admin through a container (issue 19 item 2, docker runtime)', { skip: !dockerRuntime && 'needs Docker' }, () => {
  const s = new AttackServer('docker');
  before(async () => {
    await s.start();
    s.file('b', 'secret.txt', "b's secret\n");
    s.file('a', 'escalate.py', ESCALATE);
  });
  after(async () => {
    await s.api('DELETE', '/api/projects/a/services/escalate').catch(() => undefined);
    await s.stop();
    s.cleanup();
  });
  const env = () => ({ GUESS_HOME: s.home, OTHER_PROJECT: s.projectDir('b'), SERVER_PID: String(s.pid) });
  const reachedNothing = async (log: string) => {
    assert.match(log, /done/, log);
    assert.match(log, /^home None$/m, `the server's environment must not be readable: ${log}`);
    assert.doesNotMatch(log, /inserted|^read /m, log);
    assert.match(log, /refused/, log);
    assert.match(log, new RegExp(`denied ${s.home} `), log);
    assert.match(log, /denied .*\/b\/secret.txt /, log);
    assert.match(log, /^docker.sock False$/m, log);
    assert.equal((await s.api('GET', '/api/tokens', { token: 'berth_forged_admin_token' })).status, 401);
  };

  it('as a service', async () => {
    const res = await s.api('POST', '/api/projects/a/services', {
      token: s.tokenA,
      body: { name: 'escalate', image: PYTHON_IMAGE, command: 'python3', args: `-c '${ESCALATE.replace(/'/g, "'\\''")}'`, ports: [8080], env_variables: env() },
    });
    assert.equal(res.status, 201, await res.clone().text());
    const log = await eventually('the script to finish', async () => {
      const text = await (await s.api('GET', '/api/projects/a/services/escalate/logs', { token: s.tokenA })).text();
      return text.includes('done') ? text : undefined;
    }, 60_000);
    await reachedNothing(log);
  });

  it('as a pipeline step', async () => {
    const uuid = '00000000-0000-4000-8000-000000000001';
    s.file('a', 'esc.orchest', JSON.stringify({ name: 'esc', uuid: '11111111-2222-4333-8444-555555555557', version: '1.2.3', parameters: {}, settings: {}, steps: { [uuid]: { uuid, title: 'esc', file_path: 'escalate.py', incoming_connections: [], environment: '', kernel: { name: 'python' }, parameters: {}, meta_data: { hidden: false, position: [0, 0] } } } }));
    const res = await s.api('POST', '/api/projects/a/runs', { token: s.tokenA, body: { pipeline: 'esc.orchest', env: { ...env(), STAY: '0' } } });
    assert.equal(res.status, 201, await res.clone().text());
    const run = ((await res.json()) as { run: { uuid: string } }).run.uuid;
    await eventually('the run to end', async () => !['PENDING', 'STARTED'].includes(((await (await s.api('GET', `/api/runs/${run}`, { token: s.tokenA })).json()) as { run: { status: string } }).run.status), 60_000);
    await reachedNothing(await (await s.api('GET', `/api/runs/${run}/steps/${uuid}/logs`, { token: s.tokenA })).text());
    assert.equal(await s.alive(), true);
    assert.deepEqual(await s.run('b'), { status: 'SUCCESS', log: 'ran-ok\n' }, 'another project still runs');
  });
});

/** The uid of the test's workload user (created by the server on first use). */
function workloadUid(): number {
  return Number(execFileSync('id', ['-u', WORKLOAD_USER], { encoding: 'utf8' }).trim());
}

/** Removes the workload user (and its own group) and the groups of these projects, where they exist. */
function removeWorkloadUser(user: string, projectUuids: string[]): void {
  const exists = (db: string, name: string) => spawnSync('getent', [db, name], { stdio: 'ignore' }).status === 0;
  if (exists('passwd', user)) execFileSync('userdel', [user], { stdio: 'pipe' });
  if (exists('group', user)) execFileSync('groupdel', [user], { stdio: 'pipe' });
  for (const uuid of projectUuids) if (exists('group', projectGroupName(uuid))) execFileSync('groupdel', [projectGroupName(uuid)], { stdio: 'pipe' });
}
