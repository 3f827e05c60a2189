import assert from 'node:assert/strict';
import { cpSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { dockerTestContext } from '../helpers/docker-test-context.ts';
import { parseJson, REPO, Sandbox } from '../helpers/berth-cli.ts';

/**
 * Orchest's services-connectivity fixture (../shared/fixtures/orchest/services-connectivity: its
 * pipeline and environment unedited) on Docker with local Redis and PostgreSQL. The fixture ships
 * without its step notebook; this test writes its own (same file name, same parameters, same
 * output file): it reaches every redis and postgres service the step's parameters name through
 * `orchest.get_service(name)["internal_hostname"]`, and writes what it found, with every service's
 * external URLs, to /data/<test-output-file>.
 * Offline stand-ins, named through BERTH_ORCHEST_IMAGES (never by editing the project), all built
 * from this machine's files by scripts/build-test-images.sh: `postgres` and `redis` are Debian's
 * postgresql and redis-server; orchest/base-kernel-py has Debian's python3-redis / python3-psycopg2;
 * the three web UIs (orchest/streamlit, tensorflow/tensorflow, codercom/code-server), which cannot
 * be had offline, are a stand-in that serves HTTP on their ports.
 */
const FIXTURE = join(REPO, '..', 'shared', 'fixtures', 'orchest', 'services-connectivity');
const PIPELINE = 'services_connectivity.orchest';
const IMAGES = {
  'orchest/base-kernel-py': 'berth-test/orchest-base-kernel-py:2',
  postgres: 'berth-test/postgres:1',
  redis: 'berth-test/redis:1',
  'orchest/streamlit': 'berth-test/web-ui-standin:1',
  'tensorflow/tensorflow': 'berth-test/web-ui-standin:1',
  'codercom/code-server:latest': 'berth-test/web-ui-standin:1',
};
const T = { timeout: 900_000 };

/** The step notebook (the test's own): one cell per check, output printed so it shows in the step's log. */
function notebook(): string {
  const cell = (source: string) => ({ cell_type: 'code', execution_count: null, metadata: {}, outputs: [], source });
  return JSON.stringify({
    cells: [
      cell('import json\nimport orchest\nimport psycopg2\nimport redis\nstep_params, _ = orchest.parameters.get_params()'),
      cell([
        'found = {"redis-services": {}, "postgres-services": {}}',
        'for name in step_params["redis-services"]:',
        '    client = redis.Redis(host=orchest.get_service(name)["internal_hostname"], port=6379)',
        '    client.set("berth", "reached")',
        '    found["redis-services"][name] = client.get("berth") == b"reached"',
        '    print("redis", name, found["redis-services"][name])',
      ].join('\n')),
      cell([
        'for name in step_params["postgres-services"]:',
        '    with psycopg2.connect(dbname="postgres", user="postgres", host=orchest.get_service(name)["internal_hostname"]) as conn:',
        '        cur = conn.cursor()',
        '        cur.execute("CREATE TABLE reached (n integer)")',
        '        cur.execute("INSERT INTO reached VALUES (%s)", (42,))',
        '        cur.execute("SELECT n FROM reached")',
        '        found["postgres-services"][name] = cur.fetchone() == (42,)',
        '    print("postgres", name, found["postgres-services"][name])',
      ].join('\n')),
      cell([
        'external = {name: sorted(s["external_urls"].values()) for name, s in orchest.get_services().items()}',
        'with open("/data/" + step_params["test-output-file"], "w") as out:',
        '    json.dump({"internal-connectivity": found, "external-connectivity": external}, out)',
      ].join('\n')),
    ],
    metadata: { kernelspec: { display_name: 'Python 3', language: 'python', name: 'orchest-kernel-30cfd18d-c5ec-4651-8a9b-6e12c36fc3b5' } },
    nbformat: 4,
    nbformat_minor: 4,
  });
}

describe("Orchest's services-connectivity fixture on the process runtime: import's prediction holds", () => {
  const box = new Sandbox();
  const project = join(box.root, 'services-connectivity');
  after(async () => {
    await box.run(['session', 'stop', PIPELINE], { cwd: project });
    box.cleanup();
  });
  if (existsSync(FIXTURE)) {
    cpSync(FIXTURE, project, { recursive: true });
    writeFileSync(join(project, 'services-connectivity.ipynb'), notebook());
  }

  it('import says not ready (postgres and redis have only an image; streamlit is not installed here) and the run fails on the streamlit service', T, async () => {
    const check = await box.run(['import', 'orchest', '.', '--runtime', 'process', '--json'], { cwd: project });
    assert.equal(check.code, 2, check.stdout);
    const errors = parseJson(check.stdout).findings.filter((f: any) => f.level === 'error').map((f: any) => f.message).join('\n');
    assert.match(errors, /service "streamlit" runs "streamlit" in its bash -c script, which is not installed here/);
    const res = await box.run(['run', '--runtime', 'process', '--json', PIPELINE], { cwd: project });
    assert.notEqual(res.code, 0);
    const report = parseJson(res.stdout);
    assert.equal(report.run.status, 'FAILURE');
    assert.match(report.run.reason, /service "streamlit" did not become ready/);
  });
});

const docker = await dockerTestContext("Orchest's services-connectivity fixture on Docker");
if (docker.available) {
  const missing: string[] = [];
  for (const image of new Set(Object.values(IMAGES))) {
    if (!(await docker.docker.getImage(image).inspect().then(() => true, () => false))) missing.push(image);
  }
  describe("Orchest's services-connectivity fixture on Docker", { skip: missing.length ? `${missing.join(', ')} missing (scripts/build-test-images.sh)` : false }, () => {
    const box = new Sandbox();
    const project = join(box.root, 'services-connectivity');
    const env = { BERTH_ORCHEST_IMAGES: Object.entries(IMAGES).map(([k, v]) => `${k}=${v}`).join(',') };
    after(async () => {
      await box.run(['session', 'stop', PIPELINE], { cwd: project, env });
      box.cleanup();
    });
    if (existsSync(FIXTURE)) {
      cpSync(FIXTURE, project, { recursive: true });
      writeFileSync(join(project, 'services-connectivity.ipynb'), notebook());
    }

    it('berth import orchest predicts it runs: every image (through the image table) is on the engine', T, async () => {
      const res = await box.run(['import', 'orchest', '.', '--runtime', 'docker', '--json'], { cwd: project, env });
      assert.equal(res.code, 0, res.stdout + res.stderr);
      const report = parseJson(res.stdout);
      assert.equal(report.ok, true);
      assert.deepEqual(
        report.images.map((i: any) => [i.image, i.present]).sort(),
        [['berth-test/orchest-base-kernel-py:2', true], ['berth-test/postgres:1', true], ['berth-test/redis:1', true], ['berth-test/web-ui-standin:1', true]],
      );
      const messages = report.findings.map((f: any) => f.message).join('\n');
      assert.match(messages, /service "postgres" \(interactive \+ noninteractive\): image postgres \(berth-test\/postgres:1, from the image table\), its own entrypoint/);
      assert.match(messages, /environment "Python 3" \(python\): image built from berth-test\/orchest-base-kernel-py:2/);
    });

    it('runs unchanged: the step reaches redis and postgres by name, get_services() lists every service with its URLs', T, async () => {
      const res = await box.run(['run', '--runtime', 'docker', '--json', PIPELINE], { cwd: project, env });
      assert.equal(res.code, 0, res.stdout + res.stderr);
      const report = parseJson(res.stdout);
      assert.equal(report.run.status, 'SUCCESS');
      const log = readFileSync(report.steps[0].log_path, 'utf8');
      assert.match(log, /redis redis True/);
      assert.match(log, /postgres postgres True/);
      const output = parseJson(readFileSync(join(box.home, 'data', 'test-output.json'), 'utf8'));
      assert.deepEqual(output['internal-connectivity'], { 'redis-services': { redis: true }, 'postgres-services': { postgres: true } });
      // Every service has one external URL per port; redis and postgres got theirs from Orchest's own 1.1.0 migration (by image name).
      const external = output['external-connectivity'];
      assert.deepEqual(Object.keys(external).sort(), ['postgres', 'redis', 'streamlit', 'tensorboard', 'vscode']);
      const ports = { postgres: 5432, redis: 6379, streamlit: 8501, tensorboard: 6006, vscode: 8080 };
      // preserve_base_path (streamlit) is Orchest's "pbp-" path.
      for (const [name, port] of Object.entries(ports)) {
        assert.match(external[name].join(' '), new RegExp(`^http://\\{host_name\\}:\\{port\\}/${name === 'streamlit' ? 'pbp-' : ''}service-${name}-\\S+_${port}$`));
      }
      // The streamlit service ran its command with the project bound at /usr/src/app/src, as in Orchest.
      assert.ok(existsSync(join(project, 'streamlit.py')), 'streamlit touched src/streamlit.py in the project');
    });

    it('as a job run too: its own noninteractive services (postgres, redis, streamlit) are reached the same way', T, async () => {
      const res = await box.run(['run', '--job', '--runtime', 'docker', '--json', PIPELINE], { cwd: project, env });
      assert.equal(res.code, 0, res.stdout + res.stderr);
      const report = parseJson(res.stdout);
      assert.equal(report.run.status, 'SUCCESS');
      const output = parseJson(readFileSync(join(box.home, 'data', 'test-output.json'), 'utf8'));
      assert.deepEqual(output['internal-connectivity'], { 'redis-services': { redis: true }, 'postgres-services': { postgres: true } });
    });
  });
}
