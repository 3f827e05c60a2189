import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { TELEMETRY_FIELDS } from '../../src/events/telemetry-payload.ts';
import { parseJson, pipeline, Sandbox, writePipeline } from '../helpers/berth-cli.ts';
import { Receiver } from '../helpers/receiver.ts';

describe('telemetry: off by default, anonymised by construction', () => {
  const box = new Sandbox();
  const receiver = new Receiver();
  let env: Record<string, string> = {};
  const SECRETS = ['zebra-project-folder', 'pipeline-name-qwerty', 'step-title-asdf', 'param-value-xyz', 'job-name-uvw', 'env-value-secret', 'steps/script-path-lmn.sh'];
  before(async () => {
    env = { BERTH_TELEMETRY: 'on', BERTH_TELEMETRY_URL: await receiver.listen() };
  });
  after(async () => {
    await receiver.close();
    box.cleanup();
  });
  box.file('zebra-project-folder/.orchest/.keep', '');
  box.file('zebra-project-folder/steps/script-path-lmn.sh', 'echo "$MY_VAR"\n');
  const file = writePipeline(box, 'zebra-project-folder/p.orchest', pipeline('pipeline-name-qwerty', [{ title: 'step-title-asdf', file: 'steps/script-path-lmn.sh', parameters: { p: 'param-value-xyz' } }], { parameters: { q: 'param-value-xyz' } }));

  it('sends nothing unless BERTH_TELEMETRY=on', async () => {
    assert.equal((await box.run(['run', file])).code, 0);
    assert.equal((await box.run(['scheduler', '--once'])).code, 0);
    assert.equal(receiver.received.length, 0);
    const bad = await box.run(['runs'], { env: { BERTH_TELEMETRY: 'on' } });
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /BERTH_TELEMETRY_URL/);
  });

  it('no project name, path, title, parameter, job name or env value appears in any payload; ids are salted hashes', async () => {
    const run = await box.run(['run', file, '--env', 'MY_VAR=env-value-secret', '--param', 'q="param-value-xyz"', '--json'], { env });
    assert.equal(run.code, 0, run.stderr);
    const runUuid = parseJson(run.stdout).run.uuid;
    const job = await box.run(['job', 'create', file, '--name', 'job-name-uvw', '--param', 'q=["param-value-xyz","param-value-xyz-2"]', '--env', 'MY_VAR=env-value-secret', '--json'], { env });
    assert.equal(job.code, 0, job.stderr);
    const jobUuid = parseJson(job.stdout).job.uuid;
    assert.equal((await box.run(['scheduler', '--once'], { env })).code, 0);
    assert.ok(receiver.received.length >= 8, `got ${receiver.received.length}`);
    const types = new Set<string>();
    for (const r of receiver.received) {
      for (const s of [...SECRETS, runUuid, jobUuid, box.root]) assert.ok(!r.body.includes(s), `"${s}" leaked in ${r.body}`);
      const body = JSON.parse(r.body) as Record<string, unknown>;
      for (const key of Object.keys(body)) assert.ok((TELEMETRY_FIELDS as readonly string[]).includes(key), `unexpected field ${key}`);
      for (const key of ['install', 'project', 'pipeline', 'job', 'run'] as const) if (body[key] !== undefined) assert.match(String(body[key]), /^[0-9a-f]{32}$/);
      types.add(String(body.event_type));
    }
    assert.ok(types.has('project:pipeline:interactive-session:pipeline-run:succeeded'));
    assert.ok(types.has('project:one-off-job:pipeline-run:succeeded'));
  });
});
