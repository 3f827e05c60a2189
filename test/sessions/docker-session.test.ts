import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { collect, parseJson, pipeline, Sandbox, writePipeline } from '../helpers/berth-cli.ts';
import { BUSYBOX_IMAGE, dockerTestContext, PYTHON_IMAGE } from '../helpers/docker-test-context.ts';

const ctx = await dockerTestContext('berth session --runtime docker');
const T = { timeout: 180_000 };

if (ctx.available) {
  describe('berth session --runtime docker (the issue\'s "done when")', () => {
    const box = new Sandbox();
    const containers = async (): Promise<string[]> => {
      const found = await ctx.docker.listContainers({ all: true, filters: { label: [`berth.owner.installation=${box.home}`] } });
      return found.map((c) => `${c.Labels['berth.owner.service'] ?? c.Labels['berth.owner.step']} ${c.State}`).sort();
    };
    let volumes: string[] = [];
    after(async () => {
      await box.run(['session', 'stop', 'shop.orchest']).catch(() => undefined);
      for (const v of volumes) await ctx.docker.getVolume(v).remove().catch(() => undefined);
      box.cleanup();
    });
    const PY_ENV = 'aaaaaaaa-1111-4111-8111-000000000001';
    const SH_ENV = 'bbbbbbbb-2222-4222-8222-000000000002';
    box.file(`.orchest/environments/${PY_ENV}/properties.json`, JSON.stringify({ name: 'Python', base_image: PYTHON_IMAGE }));
    box.file(`.orchest/environments/${PY_ENV}/setup_script.sh`, 'echo python-env > /etc/berth-env\n');
    box.file(`.orchest/environments/${SH_ENV}/properties.json`, JSON.stringify({ name: 'Shell', base_image: BUSYBOX_IMAGE }));
    box.file(`.orchest/environments/${SH_ENV}/setup_script.sh`, 'echo shell-env > /etc/berth-env\n');
    box.file('site/index.txt', 'served from the project\n');
    box.file('call.py', [
      'import os, urllib.request, orchest',
      'web, state = orchest.get_service("web"), orchest.get_service("state")',
      'get = lambda s, port, path: urllib.request.urlopen(f"http://{s[\'internal_hostname\']}:{port}/{path}", timeout=10).read().decode().strip()',
      'print(open("/etc/berth-env").read().strip(), web["internal_hostname"])',
      'print("web:", get(web, 8000, "index.txt"))',
      'print("boots:", get(state, 8001, "boots").replace("\\n", ","), get(state, 8001, "env"))',
      'print("secret:", os.environ.get("API_KEY"))',
    ].join('\n'));
    box.file('shell.sh', 'echo "$(cat /etc/berth-env) says hi"\n');
    const def = pipeline('shop', [{ title: 'Call', file: 'call.py' }, { title: 'Shell', file: 'shell.sh', parents: ['Call'] }], {
      services: {
        web: {
          name: 'web', image: PYTHON_IMAGE, command: 'python3', args: '-m http.server 8000 --directory /srv/site',
          binds: { '/project-dir': '/srv' }, ports: [8000], scope: ['interactive'], order: 1,
          env_variables: { PREFIX: '$BASE_PATH_PREFIX_8000' },
        },
        state: {
          name: 'state', image: `environment@${PY_ENV}`, command: 'sh', args: `-c 'echo "boot $TOKEN" >> /state/boots && cp /etc/berth-env /state/env && cd /state && exec python3 -m http.server 8001'`,
          env_variables: { TOKEN: 'from-definition' }, env_variables_inherit: ['TOKEN'],
          berth_volumes: { 'shop-state': '/state' }, ports: [8001], scope: ['interactive'], order: 0,
        },
        jobonly: { name: 'jobonly', image: BUSYBOX_IMAGE, command: 'sleep', args: '1000', ports: [1], scope: ['noninteractive'] },
      },
    });
    (def.steps as any)['00000000-0000-4000-8000-000000000001'].environment = PY_ENV;
    (def.steps as any)['00000000-0000-4000-8000-000000000002'].environment = SH_ENV;
    writePipeline(box, 'shop.orchest', def);

    it('starts the interactive services in order, waits until they are ready, and runs a two-environment pipeline that reaches them by hostname', T, async () => {
      for (const [name, value] of [['API_KEY', 'k-123'], ['TOKEN', 'inherited']]) {
        const set = await box.run(['env-var', 'set', '--pipeline', 'shop.orchest', name!, value!]);
        assert.equal(set.code, 0, set.stderr);
      }
      const list = await box.run(['env-var', 'list', '--pipeline', 'shop.orchest', '--json']);
      assert.doesNotMatch(list.stdout, /k-123|inherited/);
      assert.deepEqual(parseJson(list.stdout).variables.map((v: any) => [v.name, v.value]), [['API_KEY', '********'], ['TOKEN', '********']]);

      const start = await box.run(['session', 'start', 'shop.orchest', '--runtime', 'docker', '--json']);
      assert.equal(start.code, 0, start.stderr + start.stdout);
      const session = parseJson(start.stdout);
      assert.equal(session.status, 'RUNNING');
      assert.deepEqual(session.services.map((s: any) => [s.name, s.state]), [['state', 'running'], ['web', 'running']]);
      assert.ok(start.stderr.indexOf('service state: ready') < start.stderr.indexOf('service web: starting'), start.stderr);
      volumes = [`berth-${session.project_uuid.slice(0, 8)}-shop-state`];
      // The host reaches services only through ports published on 127.0.0.1.
      const web = session.services.find((s: any) => s.name === 'web');
      assert.match(web.ports['8000'], /^127\.0\.0\.1:\d+$/);
      assert.equal(await (await fetch(`http://${web.ports['8000']}/index.txt`)).text(), 'served from the project\n');

      const run = await box.run(['run', 'shop.orchest', '--runtime', 'docker', '--json']);
      assert.equal(run.code, 0, run.stderr + run.stdout);
      const report = parseJson(run.stdout);
      const log = (title: string) => readFileSync(report.steps.find((s: any) => s.title === title).log_path, 'utf8');
      assert.equal(
        log('Call'),
        `python-env web-${session.uuid}\nweb: served from the project\nboots: boot inherited python-env\nsecret: k-123\n`,
      );
      assert.equal(log('Shell'), 'shell-env says hi\n');
      assert.deepEqual(await containers(), ['state running', 'web running']);
    });

    it('keeps a named volume across a session restart; stop leaves no containers', T, async () => {
      const stop = await box.run(['session', 'stop', 'shop.orchest', '--json']);
      assert.equal(stop.code, 0, stop.stderr);
      assert.equal(parseJson(stop.stdout).status, 'STOPPED');
      assert.deepEqual(await containers(), []);
      const start = await box.run(['session', 'start', 'shop.orchest', '--runtime', 'docker']);
      assert.equal(start.code, 0, start.stderr);
      const run = await box.run(['run', 'shop.orchest', '--runtime', 'docker', '--json']);
      assert.equal(run.code, 0, run.stderr + run.stdout);
      const callLog = readFileSync(parseJson(run.stdout).steps[0].log_path, 'utf8');
      assert.match(callLog, /^boots: boot inherited,boot inherited python-env$/m);
      const logs = await box.run(['session', 'logs', 'shop.orchest', 'state']);
      assert.match(logs.stdout, /GET \/boots/);
    });

    it('a service that dies after it was ready is restarted by its policy (on-failure by default)', T, async () => {
      const [info] = await ctx.docker.listContainers({ filters: { label: [`berth.owner.installation=${box.home}`, 'berth.owner.service=web'] } });
      const container = ctx.docker.getContainer(info!.Id);
      const exec = await container.exec({ Cmd: ['sh', '-c', 'kill 1'], AttachStdout: true, AttachStderr: true });
      await exec.start({});
      let restarted = false;
      for (let i = 0; i < 300 && !restarted; i++) {
        const state = await container.inspect();
        restarted = state.RestartCount >= 1 && state.State.Running;
        if (!restarted) await sleep(100);
      }
      assert.ok(restarted, 'docker restarted the service');
      const status = parseJson((await box.run(['session', 'status', 'shop.orchest', '--json'])).stdout);
      assert.deepEqual(status.services.map((s: any) => [s.name, s.state]), [['state', 'running'], ['web', 'running']]);
    });

    it('a Berth killed while starting a session leaves no orphan containers and a truthful status', T, async () => {
      await box.run(['session', 'stop', 'shop.orchest']);
      const slow = structuredClone(def) as any;
      slow.services.web.args = '-c "import time; time.sleep(600)"';
      writePipeline(box, 'shop.orchest', slow);
      const child = box.spawn(['session', 'start', 'shop.orchest', '--runtime', 'docker']);
      const done = collect(child);
      while (!(await containers()).includes('web running')) await sleep(100);
      child.kill('SIGKILL');
      await done;
      assert.deepEqual(await containers(), ['state running', 'web running']);
      const status = await box.run(['session', 'status', 'shop.orchest', '--json']);
      assert.equal(status.code, 0, status.stderr);
      const view = parseJson(status.stdout);
      assert.equal(view.status, 'FAILED');
      assert.match(view.reason, /berth process \(pid \d+\) starting this session exited first/);
      assert.deepEqual(await containers(), []);
      writePipeline(box, 'shop.orchest', def);
    });

    it('a service that never gets ready fails the start with its output, and nothing is left running', T, async () => {
      const broken = structuredClone(def) as any;
      broken.services.web.command = 'sh';
      broken.services.web.args = `-c 'echo cannot serve; exit 3'`;
      writePipeline(box, 'shop.orchest', broken);
      const start = await box.run(['session', 'start', 'shop.orchest', '--runtime', 'docker']);
      assert.equal(start.code, 1);
      assert.match(start.stderr, /service "web" did not become ready: it ended before it was ready[\s\S]*cannot serve/);
      assert.match(start.stderr, /BERTH_E_SESSION_START/);
      assert.deepEqual(await containers(), []);
      writePipeline(box, 'shop.orchest', def);
    });
  });
}
