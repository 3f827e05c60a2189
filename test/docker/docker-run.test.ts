import assert from 'node:assert/strict';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { collect, parseJson, pipeline, Sandbox, writePipeline } from '../helpers/berth-cli.ts';
import { BUSYBOX_IMAGE, dockerTestContext, PYTHON_IMAGE } from '../helpers/docker-test-context.ts';

const ctx = await dockerTestContext('berth run --runtime docker');
const T = { timeout: 120_000 };

/** Containers Berth made for this sandbox's BERTH_HOME (running or not). */
async function containersOf(box: Sandbox): Promise<string[]> {
  if (!ctx.available) return [];
  const found = await ctx.docker.listContainers({ all: true, filters: { label: [`berth.owner.installation=${box.home}`] } });
  return found.map((c) => `${c.Names[0]} ${c.State}`);
}

function stepOf(def: Record<string, any>, title: string): Record<string, any> {
  return Object.values(def.steps as Record<string, any>).find((s) => s.title === title);
}

if (ctx.available) {
  describe('berth run --runtime docker', () => {
    const box = new Sandbox();
    after(() => box.cleanup());
    const PY_ENV = 'aaaaaaaa-1111-4111-8111-000000000001';
    const SH_ENV = 'bbbbbbbb-2222-4222-8222-000000000002';
    box.file(`.orchest/environments/${PY_ENV}/properties.json`, JSON.stringify({ name: 'Python', base_image: PYTHON_IMAGE }));
    box.file(`.orchest/environments/${PY_ENV}/setup_script.sh`, 'mkdir -p /opt/env && echo python-env > /opt/env/marker\n');
    box.file(`.orchest/environments/${SH_ENV}/properties.json`, JSON.stringify({ name: 'Shell', base_image: BUSYBOX_IMAGE }));
    box.file(`.orchest/environments/${SH_ENV}/setup_script.sh`, 'mkdir -p /opt/env && echo shell-env > /opt/env/marker\n');
    box.file('steps/produce.py', [
      'import os',
      'print("cwd", os.getcwd())',
      'print("marker", open("/opt/env/marker").read().strip())',
      'print("project", os.environ["ORCHEST_PROJECT_DIR"], "data", os.environ["ORCHEST_DATA_DIR"], "step", os.environ["ORCHEST_STEP_UUID"])',
      'print("param", os.environ["BERTH_STEP_PARAMETERS"])',
      'print("host-home" if "HOME_ON_HOST" in os.environ else "no-host-env")',
      'open("/data/produced.txt", "w").write("from python\\n")',
    ].join('\n'));
    box.file('steps/sub/consume.sh', 'echo "cwd $(pwd)"; echo "marker $(cat /opt/env/marker)"; echo "read $(cat /data/produced.txt)"; echo "run-env $GREETING"\n');
    box.file('steps/plain.sh', 'echo "plain on $(cat /etc/hostname | wc -c) chars"; ls /opt/env 2>/dev/null || echo "no env folder"\n');
    box.file('steps/fail.sh', 'echo failing; exit 7\n');
    const def = pipeline('two-envs', [
      { title: 'Produce', file: 'steps/produce.py', parameters: { n: 3 } },
      { title: 'Consume', file: 'steps/sub/consume.sh', parents: ['Produce'] },
      { title: 'Plain', file: 'steps/plain.sh' },
    ]);
    stepOf(def, 'Produce').environment = PY_ENV;
    stepOf(def, 'Consume').environment = SH_ENV;
    stepOf(def, 'Plain').berth_image = BUSYBOX_IMAGE;
    writePipeline(box, 'two-envs.orchest', def);

    it('runs each step in its environment image with the project at /project-dir and /data shared', T, async () => {
      const res = await box.run(['run', 'two-envs.orchest', '--runtime', 'docker', '--env', 'GREETING=hi there', '--json'], { env: { HOME_ON_HOST: '1' } });
      assert.equal(res.code, 0, res.stderr + res.stdout);
      const report = parseJson(res.stdout);
      assert.equal(report.run.status, 'SUCCESS');
      assert.equal(report.run.runtime, 'docker');
      const log = (title: string) => readFileSync(report.steps.find((s: any) => s.title === title).log_path, 'utf8');
      assert.equal(
        log('Produce'),
        'cwd /project-dir/steps\nmarker python-env\nproject /project-dir data /data step 00000000-0000-4000-8000-000000000001\nparam {"n":3}\nno-host-env\n',
      );
      assert.equal(log('Consume'), 'cwd /project-dir/steps/sub\nmarker shell-env\nread from python\nrun-env hi there\n');
      assert.match(log('Plain'), /no env folder/);
      assert.equal(readFileSync(join(box.home, 'data', 'produced.txt'), 'utf8'), 'from python\n');
      assert.equal(statSync(join(box.home, 'data', 'produced.txt')).uid, statSync(box.project).uid);
      assert.deepEqual(await containersOf(box), []);
    });

    it('a second run reuses the environment images (no rebuild) and `berth env build` reports them up to date', T, async () => {
      const res = await box.run(['env', 'build', '.', '--json']);
      assert.equal(res.code, 0, res.stderr);
      const envs = parseJson(res.stdout).environments;
      assert.deepEqual(envs.map((e: any) => [e.uuid, e.built]), [[PY_ENV, false], [SH_ENV, false]]);
      assert.match(envs[0].image, /^berth-env\/aaaaaaaa-1111-4111-8111-000000000001:[0-9a-f]{16}$/);
    });

    it('steps pass data through the Python SDK (import orchest) inside containers', T, async () => {
      box.file('steps/sdk_out.py', 'import orchest\norchest.output({"rows": [1, 2, 3]}, name="table")\nprint("sent")\n');
      box.file('steps/sdk_in.py', 'import orchest\ninputs = orchest.get_inputs()\nprint("got", sum(inputs["table"]["rows"]), orchest.get_step_param("factor"))\n');
      const sdk = pipeline('sdk', [
        { title: 'Out', file: 'steps/sdk_out.py' },
        { title: 'In', file: 'steps/sdk_in.py', parents: ['Out'], parameters: { factor: 2 } },
      ], { uuid: '22222222-2222-4333-8444-555555555555' });
      for (const title of ['Out', 'In']) stepOf(sdk, title).berth_image = PYTHON_IMAGE;
      writePipeline(box, 'sdk.orchest', sdk);
      const res = await box.run(['run', 'sdk.orchest', '--runtime', 'docker', '--json']);
      assert.equal(res.code, 0, res.stderr + res.stdout);
      const report = parseJson(res.stdout);
      assert.equal(readFileSync(report.steps[1].log_path, 'utf8'), 'got 6 2\n');
    });

    it('exit codes are recorded; a failed step aborts its descendants', T, async () => {
      const failing = pipeline('failing', [{ title: 'Fail', file: 'steps/fail.sh' }, { title: 'After', file: 'steps/plain.sh', parents: ['Fail'] }]);
      for (const title of ['Fail', 'After']) stepOf(failing, title).berth_image = BUSYBOX_IMAGE;
      writePipeline(box, 'failing.orchest', failing);
      const res = await box.run(['run', 'failing.orchest', '--runtime', 'docker', '--json']);
      assert.equal(res.code, 1);
      const report = parseJson(res.stdout);
      assert.equal(report.run.status, 'FAILURE');
      assert.deepEqual(report.steps.map((s: any) => [s.title, s.status, s.exit_code]), [['Fail', 'FAILURE', 7], ['After', 'ABORTED', null]]);
      assert.equal(readFileSync(report.steps[0].log_path, 'utf8'), 'failing\n');
      assert.deepEqual(await containersOf(box), []);
    });

    it('a missing image fails the step with a reason naming the image (BERTH_RUNTIME=docker)', T, async () => {
      const missing = pipeline('missing', [{ title: 'Nope', file: 'steps/plain.sh' }]);
      stepOf(missing, 'Nope').berth_image = 'berth-test/not-there:1';
      writePipeline(box, 'missing.orchest', missing);
      const res = await box.run(['run', 'missing.orchest', '--json'], { env: { BERTH_RUNTIME: 'docker' } });
      assert.equal(res.code, 1);
      const report = parseJson(res.stdout);
      assert.equal(report.run.runtime, 'docker');
      assert.equal(report.run.status, 'FAILURE');
      assert.match(report.steps[0].reason, /image "berth-test\/not-there:1"/);
    });

    it('an environment whose setup script fails fails its step with the build log named', T, async () => {
      const BROKEN = 'cccccccc-3333-4333-8333-000000000003';
      box.file(`.orchest/environments/${BROKEN}/properties.json`, JSON.stringify({ name: 'Broken', base_image: BUSYBOX_IMAGE }));
      box.file(`.orchest/environments/${BROKEN}/setup_script.sh`, 'echo about-to-fail\nexit 3\n');
      const broken = pipeline('broken', [{ title: 'Uses broken', file: 'steps/plain.sh' }]);
      stepOf(broken, 'Uses broken').environment = BROKEN;
      writePipeline(box, 'broken.orchest', broken);
      const res = await box.run(['run', 'broken.orchest', '--runtime', 'docker', '--json']);
      assert.equal(res.code, 1);
      const step = parseJson(res.stdout).steps[0];
      assert.equal(step.status, 'FAILURE');
      assert.match(step.reason, /setup script failed with exit code 3/);
      const logPath = /last lines of (\S+) ---/.exec(step.reason)?.[1] ?? assert.fail(step.reason);
      assert.match(readFileSync(logPath, 'utf8'), /about-to-fail/);

      const build = await box.run(['env', 'build', `.orchest/environments/${BROKEN}`]);
      assert.equal(build.code, 1);
      assert.match(build.stderr, /\[Broken\] about-to-fail/);
      assert.match(build.stderr, /BERTH_E_ENV_BUILD/);

      // A failing setup script is never cached, so both attempts were builds: each is a started + failed event.
      const events = await box.run(['events', '--type', 'project:environment:image-build:', '--json']);
      assert.equal(events.code, 0, events.stderr);
      const builds = parseJson(events.stdout).events.filter((e: any) => e.project.environment.uuid === BROKEN).reverse();
      assert.deepEqual(builds.map((e: any) => e.type.split(':').pop()), ['started', 'failed', 'started', 'failed']);
      assert.equal(builds[1].project.name, 'project');
      assert.deepEqual([builds[1].project.environment.name, builds[1].project.environment.image_build.status], ['Broken', 'FAILURE']);
      assert.match(builds[1].project.environment.image_build.reason, /exit code 3/);
    });

    it('Docker unreachable: the run fails at once with a reason naming the socket', T, async () => {
      const socket = join(box.root, 'no-docker.sock');
      const res = await box.run(['run', 'two-envs.orchest', '--runtime', 'docker', '--json'], { env: { DOCKER_HOST: `unix://${socket}` } });
      assert.equal(res.code, 1);
      const report = parseJson(res.stdout);
      assert.equal(report.run.status, 'FAILURE');
      assert.match(report.run.reason, new RegExp(`cannot reach the Docker engine at unix://${socket}`));
      assert.deepEqual(report.steps.map((s: any) => s.status), ['ABORTED', 'ABORTED', 'ABORTED']);
      const env = await box.run(['env', 'build', '.'], { env: { DOCKER_HOST: `unix://${socket}` } });
      assert.equal(env.code, 1);
      assert.match(env.stderr, /BERTH_E_DOCKER_UNREACHABLE/);
    });

    it('berth cancel from another process stops the containers: steps ABORTED, none left', T, async () => {
      box.file('steps/wait.sh', 'trap "echo got-term; exit 143" TERM; echo started; while :; do sleep 1 & wait $!; done\n');
      const waiting = pipeline('waiting', [{ title: 'Wait', file: 'steps/wait.sh' }]);
      stepOf(waiting, 'Wait').berth_image = BUSYBOX_IMAGE;
      writePipeline(box, 'waiting.orchest', waiting);
      const runner = box.spawn(['run', 'waiting.orchest', '--runtime', 'docker', '--json']);
      const done = collect(runner);
      const deadline = Date.now() + 60_000;
      while ((await containersOf(box)).filter((c) => c.endsWith('running')).length < 1) {
        if (Date.now() > deadline) throw new Error('the step container never started');
        await sleep(100);
      }
      const runs = parseJson((await box.run(['runs', '--json', '--status', 'STARTED'])).stdout).runs;
      const cancel = await box.run(['cancel', runs[0].uuid]);
      assert.equal(cancel.code, 0, cancel.stderr);
      const res = await done;
      assert.equal(res.code, 1);
      const report = parseJson(res.stdout);
      assert.equal(report.run.status, 'ABORTED');
      assert.equal(report.steps[0].status, 'ABORTED');
      assert.match(readFileSync(report.steps[0].log_path, 'utf8'), /started\ngot-term\n/);
      assert.deepEqual(await containersOf(box), []);
    });

    it('killing Berth mid-run (SIGKILL) leaves no container once Berth starts again, and the run says why', T, async () => {
      box.file('steps/long.sh', 'echo started; sleep 300\n');
      const long = pipeline('long', [{ title: 'Long', file: 'steps/long.sh' }, { title: 'Long too', file: 'steps/long.sh' }]);
      for (const title of ['Long', 'Long too']) stepOf(long, title).berth_image = BUSYBOX_IMAGE;
      writePipeline(box, 'long.orchest', long);
      const runner = box.spawn(['run', 'long.orchest', '--runtime', 'docker']);
      const done = collect(runner);
      const deadline = Date.now() + 60_000;
      while ((await containersOf(box)).filter((c) => c.endsWith('running')).length < 2) {
        if (Date.now() > deadline) throw new Error(`containers never started: ${(await done.catch(String)) as string}`);
        await sleep(100);
      }
      runner.kill('SIGKILL');
      await done;
      assert.equal((await containersOf(box)).length, 2, 'containers outlive the killed runner');
      const res = await box.run(['runs', '--json']);
      assert.equal(res.code, 0, res.stderr);
      const run = parseJson(res.stdout).runs.find((r: any) => r.pipeline_name === 'long' || r.pipeline?.name === 'long');
      assert.equal(run.status, 'FAILURE');
      assert.match(run.reason, /exited before it ended/);
      assert.deepEqual(await containersOf(box), []);
      const shown = parseJson((await box.run(['runs', 'show', run.uuid, '--json'])).stdout);
      assert.deepEqual(shown.steps.map((s: any) => s.status), ['ABORTED', 'ABORTED']);
    });
  });
}
