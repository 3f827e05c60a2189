import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { parseJson, pipeline, Sandbox, writePipeline } from '../helpers/berth-cli.ts';
import { alive, eventually } from '../helpers/instances.ts';
import { liveStateDirs } from '../../src/runtimes/process/live-state-dir.ts';

const T = { timeout: 60_000 };

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const srv = createServer().listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

describe('berth session on the process runtime', () => {
  const box = new Sandbox();
  after(async () => {
    await box.run(['session', 'stop', 'p.orchest']).catch(() => undefined);
    box.cleanup();
  });

  it('runs host services on their ports; a run reaches them on 127.0.0.1 through the SDK; inherited variables win', T, async () => {
    const port = await freePort();
    box.file('www/hello.txt', 'hello from the service\n');
    box.file('step.py', [
      'import os, urllib.request, orchest',
      'web = orchest.get_service("web")',
      `print(web["internal_hostname"], urllib.request.urlopen(f"http://{web['internal_hostname']}:${port}/hello.txt").read().decode().strip())`,
      'print("project var", os.environ["SHARED"], "pipeline var", os.environ.get("ONLY_PIPELINE"))',
    ].join('\n'));
    box.file('env.py', 'import json, os; print(json.dumps({**{k: os.environ.get(k) for k in ["SHARED", "ONLY_PIPELINE", "OWN", "ORCHEST_SESSION_TYPE"]}, "project_dir": sorted(os.listdir("/project-dir")), "data": os.path.isdir("/data")}))\n');
    const envPort = await freePort();
    writePipeline(box, 'p.orchest', pipeline('p', [{ title: 'Call', file: 'step.py' }], {
      services: {
        web: { name: 'web', image: 'ignored-on-host', command: 'python3', args: `-m http.server ${port} --bind 127.0.0.1 --directory www`, ports: [port], scope: ['interactive'] },
        env: {
          name: 'env', image: 'x', command: 'sh', args: `-c 'python3 env.py; exec python3 -m http.server ${envPort} --bind 127.0.0.1'`, ports: [envPort], scope: ['interactive'],
          env_variables: { SHARED: 'from-definition', OWN: 'own' }, env_variables_inherit: ['SHARED', 'MISSING'],
        },
      },
    }));
    // A first run (of another pipeline) registers the project, so that its variables can be set.
    box.file('noop.sh', 'true\n');
    writePipeline(box, 'reg.orchest', pipeline('reg', [{ title: 'Noop', file: 'noop.sh' }]));
    assert.equal((await box.run(['run', 'reg.orchest'])).code, 0);
    assert.equal((await box.run(['env-var', 'set', '--project', 'project', 'SHARED', 'project-value'])).code, 0);

    // An interactive run starts the pipeline's session first (as Orchest's did): the services are ready before the step.
    const first = await box.run(['run', 'p.orchest']);
    assert.equal(first.code, 0, first.stderr + first.stdout);
    assert.match(first.stderr, /session │ starting the session of p\.orchest[^]*session │ service env: ready[^]*session │ service web: ready \(port \d+ open\)[^]*▶ Call/);
    const status = await box.run(['session', 'status', 'p.orchest', '--json']);
    const session = parseJson(status.stdout);
    assert.deepEqual([session.status, session.runtime, session.network], ['RUNNING', 'process', null], 'the session stays up after the run');
    const envLog = readFileSync(session.services.find((s: any) => s.name === 'env').log_path, 'utf8');
    const seen = JSON.parse(envLog.split('\n')[0]!);
    assert.deepEqual(seen, { SHARED: 'project-value', ONLY_PIPELINE: null, OWN: 'own', ORCHEST_SESSION_TYPE: 'interactive', project_dir: seen.project_dir, data: true }, 'a host service sees /data (and /project-dir) too');
    assert.ok(seen.project_dir.includes('p.orchest') && seen.project_dir.includes('env.py'), seen.project_dir.join(','));

    // The next run joins the running session.
    assert.equal((await box.run(['env-var', 'set', '--pipeline', 'p.orchest', 'ONLY_PIPELINE', 'pipe-value'])).code, 0);
    const run = await box.run(['run', 'p.orchest', '--json']);
    assert.equal(run.code, 0, run.stderr + run.stdout);
    assert.doesNotMatch(run.stderr, /starting the session/);
    assert.equal(readFileSync(parseJson(run.stdout).steps[0].log_path, 'utf8'), '127.0.0.1 hello from the service\nproject var project-value pipeline var pipe-value\n');
    const list = await box.run(['env-var', 'list', '--project', 'project']);
    assert.doesNotMatch(list.stdout, /project-value/);
  });

  it('restarts a service that ended (on-failure policy) when the session is looked at', T, async () => {
    const before = parseJson((await box.run(['session', 'status', 'p.orchest', '--json'])).stdout);
    const web = before.services.find((s: any) => s.name === 'web');
    const pid = Number(readFileSync(join(liveStateDirs({ home: box.home }).dir, `session-${before.uuid}-web.json`), 'utf8').match(/"pid":\s*(\d+)/)![1]);
    process.kill(-pid, 'SIGKILL');
    await eventually('the killed service to be gone', () => !alive(pid), 10_000);
    const after = parseJson((await box.run(['session', 'status', 'p.orchest', '--json'])).stdout);
    const again = after.services.find((s: any) => s.name === 'web');
    assert.deepEqual([again.state, again.restarts], ['running', web.restarts + 1]);
  });

  it('stop ends every service; status then says STOPPED and the services missing', T, async () => {
    const stop = await box.run(['session', 'stop', 'p.orchest', '--json']);
    assert.equal(stop.code, 0, stop.stderr);
    const view = parseJson(stop.stdout);
    assert.equal(view.status, 'STOPPED');
    assert.deepEqual(view.services.map((s: any) => s.state), ['missing', 'missing']);
    const missing = await box.run(['session', 'status', 'nope.orchest']);
    assert.equal(missing.code, 2);
  });
});

describe('job runs (berth run --job) on the process runtime', () => {
  const box = new Sandbox();
  after(() => box.cleanup());

  it("start the noninteractive services for the run's lifetime only; the step sees a noninteractive session", T, async () => {
    const port = await freePort();
    box.file('www/x.txt', 'job service\n');
    box.file('step.py', [
      'import os, urllib.request, orchest',
      'svc = orchest.get_service("api")',
      `print(os.environ["ORCHEST_SESSION_TYPE"], os.environ["ORCHEST_SESSION_UUID"] == os.environ["BERTH_RUN_UUID"], urllib.request.urlopen(f"http://{svc['internal_hostname']}:${port}/x.txt").read().decode().strip())`,
    ].join('\n'));
    writePipeline(box, 'job.orchest', pipeline('job', [{ title: 'Use', file: 'step.py' }], {
      services: {
        api: { name: 'api', image: 'x', command: 'python3', args: `-m http.server ${port} --bind 127.0.0.1 --directory www`, ports: [port], scope: ['noninteractive'] },
        ide: { name: 'ide', image: 'x', command: 'false', ports: [1], scope: ['interactive'] },
      },
    }));
    const run = await box.run(['run', 'job.orchest', '--job', '--json']);
    assert.equal(run.code, 0, run.stderr + run.stdout);
    const report = parseJson(run.stdout);
    assert.equal(readFileSync(report.steps[0].log_path, 'utf8'), 'noninteractive True job service\n');
    const sessions = parseJson((await box.run(['session', 'list', '--json'])).stdout).sessions;
    assert.deepEqual(sessions.map((s: any) => [s.uuid, s.status, s.services.map((x: any) => `${x.name}:${x.state}`)]), [[report.run.uuid, 'STOPPED', ['api:missing']]]);
    await assert.rejects(fetch(`http://127.0.0.1:${port}/x.txt`));
  });
});

describe('interactive runs on the process runtime with services it cannot run', () => {
  const box = new Sandbox();
  after(async () => {
    await box.run(['session', 'stop', 'mixed.orchest']).catch(() => undefined);
    box.cleanup();
  });

  it('leave out image-only services, say so before the steps, start the others; with none runnable no session starts', T, async () => {
    const port = await freePort();
    box.file('ok.sh', 'echo step ran\n');
    writePipeline(box, 'only-image.orchest', pipeline('only-image', [{ title: 'Ok', file: 'ok.sh' }], {
      services: { redis: { name: 'redis', image: 'redis', ports: [6379], scope: ['interactive'] } },
    }));
    const alone = await box.run(['run', 'only-image.orchest']);
    assert.equal(alone.code, 0, alone.stderr);
    assert.match(alone.stderr, /session │ service redis: not started: it has only an image \(redis\) and the process runtime runs host commands[^]*▶ Ok/);
    assert.equal((await box.run(['session', 'status', 'only-image.orchest'])).code, 2, 'no session was started');

    writePipeline(box, 'mixed.orchest', pipeline('mixed', [{ title: 'Ok', file: 'ok.sh' }], {
      services: {
        redis: { name: 'redis', image: 'redis', ports: [6379], scope: ['interactive'] },
        web: { name: 'web', image: 'x', command: 'python3', args: `-m http.server ${port} --bind 127.0.0.1`, ports: [port], scope: ['interactive'] },
      },
    }));
    const mixed = await box.run(['run', 'mixed.orchest']);
    assert.equal(mixed.code, 0, mixed.stderr);
    assert.match(mixed.stderr, /service redis: not started[^]*service web: ready[^]*▶ Ok/);
    const session = parseJson((await box.run(['session', 'status', 'mixed.orchest', '--json'])).stdout);
    assert.deepEqual(session.services.map((s: any) => [s.name, s.state]), [['web', 'running']]);
  });
});
