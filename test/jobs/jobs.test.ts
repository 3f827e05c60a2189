import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { after, before, describe, it } from 'node:test';
import { parseJson, pipeline, Sandbox, writePipeline } from '../helpers/berth-cli.ts';
import { sandboxWithReceiver } from '../helpers/receiver.ts';

const STEP = `python3 - <<'PY'
import json, os, time
p = json.load(open(os.environ["ORCHEST_PIPELINE_PATH"]))["parameters"]
line = f'{os.environ["BERTH_RUN_UUID"]} lr={p["lr"]} bs={p["bs"]} version=1'
open("out.txt", "w").write(line + "\\n")
with open(os.path.join(os.environ["BERTH_DATA_DIR"], "trace"), "a") as f:
    f.write(line + "\\n")
PY
`;

function sql(box: Sandbox, statement: string, ...params: string[]): void {
  const db = new DatabaseSync(join(box.home, 'berth.db'), { timeout: 10_000 });
  try {
    db.prepare(statement).run(...params);
  } finally {
    db.close();
  }
}

describe('jobs: parameter grids on a snapshot, schedules, lifecycle', () => {
  const { box, receiver, url: receiverUrl } = sandboxWithReceiver({ before, after });
  box.file('steps/train.sh', STEP);
  box.file('.gitignore', 'secrets.env\nbig-data/\n');
  box.file('secrets.env', 'TOKEN=do-not-copy\n');
  box.file('big-data/blob.bin', 'x'.repeat(1000));
  writePipeline(box, 'train.orchest', pipeline('train', [{ title: 'Train', file: 'steps/train.sh' }], { parameters: { lr: 0.1, bs: 8 } }));

  it('a one-off job runs the 2x3 grid now: six runs, each with its parameters, in its own working copy', async () => {
    const res = await box.run(['job', 'create', 'train.orchest', '--name', 'grid', '--param', 'lr=[0.1,0.01]', '--param', 'bs=[16,32,64]', '--json']);
    assert.equal(res.code, 0, res.stderr);
    const { job, batch } = parseJson(res.stdout);
    assert.equal(job.status, 'SUCCESS');
    assert.equal(batch.runs.length, 6);
    assert.ok(batch.runs.every((r: { status: string }) => r.status === 'SUCCESS'));
    const shown = parseJson((await box.run(['job', 'show', 'grid', '--json'])).stdout);
    assert.deepEqual(shown.runs.map((r: { pipeline_run_index: number }) => r.pipeline_run_index).sort(), [0, 1, 2, 3, 4, 5]);
    const seen = shown.runs.map((r: { work_dir: string; uuid: string; parameters: { pipeline_parameters: { lr: number; bs: number } } }) => {
      const out = readFileSync(join(r.work_dir, 'steps', 'out.txt'), 'utf8').trim();
      assert.equal(out, `${r.uuid} lr=${r.parameters.pipeline_parameters.lr} bs=${r.parameters.pipeline_parameters.bs} version=1`);
      return `${r.parameters.pipeline_parameters.lr}/${r.parameters.pipeline_parameters.bs}`;
    });
    assert.deepEqual(seen.sort(), ['0.01/16', '0.01/32', '0.01/64', '0.1/16', '0.1/32', '0.1/64']);
    assert.ok(!existsSync(join(box.project, 'steps', 'out.txt')), 'runs never write into the project itself');
    const snapshot = shown.job.snapshot_dir;
    assert.ok(existsSync(join(snapshot, 'train.orchest')));
    assert.ok(!existsSync(join(snapshot, 'secrets.env')), '.gitignore is respected');
    assert.ok(!existsSync(join(snapshot, 'big-data')));
  });

  it('a cron job: six runs per tick on its snapshot, one catch-up batch for missed ticks, signed webhooks for each run', async () => {
    const secret = 'cron-webhook-secret-123';
    assert.equal((await box.run(['webhook', 'add', 'runs', receiverUrl(), '--secret', secret, '--event', 'project:cron-job:run:pipeline-run:succeeded', '--event', 'project:cron-job:run:succeeded'])).code, 0);
    const res = await box.run(['job', 'create', 'train.orchest', '--name', 'nightly', '--cron', '0 3 * * *', '--tz', 'Europe/Paris', '--param', 'lr=[0.1,0.01]', '--param', 'bs=[16,32,64]', '--json']);
    assert.equal(res.code, 0, res.stderr);
    const job = parseJson(res.stdout).job;
    assert.equal(job.status, 'PENDING');
    assert.equal(new Date(job.next_scheduled_time).getUTCHours(), 2, '03:00 in Paris in winter is 02:00 UTC');
    // The project changes after the job was created: scheduled runs still use the snapshot.
    box.file('steps/train.sh', STEP.replace('version=1', 'version=2'));
    // Berth was down for three days: the job was due at 02:00 UTC three days ago, and more ticks passed since.
    const now = new Date();
    const due = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() - 3, 2));
    const missed = 2 + (now.getUTCHours() >= 2 ? 1 : 0);
    sql(box, 'UPDATE jobs SET next_scheduled_time = ? WHERE uuid = ?', due.toISOString(), job.uuid);
    const tick = await box.run(['scheduler', '--once']);
    assert.equal(tick.code, 0, tick.stderr);
    assert.match(tick.stderr, new RegExp(`job "nightly" \\([0-9a-f]{8}\\): ${missed} more tick\\(s\\) since .* were missed while no scheduler ran; running one catch-up batch`));
    const shown = parseJson((await box.run(['job', 'show', 'nightly', '--json'])).stdout);
    assert.equal(shown.job.status, 'STARTED');
    assert.equal(shown.job.total_scheduled_executions, 1);
    assert.equal(shown.runs.length, 6);
    assert.ok(Date.parse(shown.job.next_scheduled_time) > Date.now());
    for (const r of shown.runs) assert.match(readFileSync(join(r.work_dir, 'steps', 'out.txt'), 'utf8'), /version=1/);
    const again = await box.run(['scheduler', '--once']);
    assert.equal(again.code, 0);
    assert.equal(parseJson((await box.run(['job', 'show', 'nightly', '--json'])).stdout).runs.length, 6, 'nothing is due until the next tick');

    const runEvents = receiver.received.filter((r) => r.headers['x-berth-event'] === 'project:cron-job:run:pipeline-run:succeeded');
    assert.equal(runEvents.length, 6);
    for (const r of receiver.received) {
      assert.equal(r.headers['x-berth-signature-256'], `sha256=${createHmac('sha256', secret).update(r.body).digest('hex')}`);
    }
    const runUuids = runEvents.map((r) => JSON.parse(r.body).event.project.job.pipeline_run.uuid).sort();
    assert.deepEqual(runUuids, shown.runs.map((r: { uuid: string }) => r.uuid).sort());
    const params = runEvents.map((r) => JSON.parse(r.body).event.project.job.pipeline_run.parameters.pipeline_parameters);
    assert.equal(new Set(params.map((p) => `${p.lr}/${p.bs}`)).size, 6);
    assert.equal(receiver.received.filter((r) => r.headers['x-berth-event'] === 'project:cron-job:run:succeeded').length, 1);
  });

  it('pause, resume, trigger, cancel and rm', async () => {
    const paused = await box.run(['job', 'pause', 'nightly', '--json']);
    assert.equal(paused.code, 0, paused.stderr);
    assert.equal(parseJson(paused.stdout).job.status, 'PAUSED');
    assert.equal(parseJson(paused.stdout).job.next_scheduled_time, null);
    assert.equal((await box.run(['job', 'pause', 'nightly'])).code, 2, 'pausing twice is a state error');
    const resumed = parseJson((await box.run(['job', 'resume', 'nightly', '--json'])).stdout).job;
    assert.equal(resumed.status, 'STARTED');
    assert.ok(Date.parse(resumed.next_scheduled_time) > Date.now());
    const trig = await box.run(['job', 'trigger', 'nightly', '--json']);
    assert.equal(trig.code, 0, trig.stderr);
    assert.equal(parseJson(trig.stdout).batch.job_run_index, 1);
    const shown = parseJson((await box.run(['job', 'show', 'nightly', '--json'])).stdout);
    assert.deepEqual(shown.runs.map((r: { pipeline_run_index: number }) => r.pipeline_run_index).slice(0, 6).sort((a: number, b: number) => a - b), [6, 7, 8, 9, 10, 11]);
    const list = parseJson((await box.run(['job', 'list', '--json'])).stdout).jobs;
    assert.deepEqual(list.map((j: { name: string }) => j.name).sort(), ['grid', 'nightly']);
    const cancelled = parseJson((await box.run(['job', 'cancel', 'nightly', '--json'])).stdout).job;
    assert.equal(cancelled.status, 'ABORTED');
    const late = await box.run(['job', 'trigger', 'nightly']);
    assert.equal(late.code, 2);
    assert.match(late.stderr, /BERTH_E_JOB_STATE/);
    const rm = await box.run(['job', 'rm', 'nightly']);
    assert.equal(rm.code, 0, rm.stderr);
    assert.ok(!existsSync(shown.job.snapshot_dir));
    assert.ok(!existsSync(shown.runs[0].work_dir));
    const gone = await box.run(['job', 'show', 'nightly']);
    assert.equal(gone.code, 2);
    assert.match(gone.stderr, /no job "nightly"/);
  });

  it('a one-off job at a time runs once the scheduler finds it due; a draft runs nothing until resumed', async () => {
    const at = new Date(Date.now() + 1000).toISOString();
    const later = parseJson((await box.run(['job', 'create', 'train.orchest', '--name', 'later', '--at', at, '--json'])).stdout).job;
    assert.equal(later.status, 'PENDING');
    assert.equal(later.next_scheduled_time, at);
    const draft = parseJson((await box.run(['job', 'create', 'train.orchest', '--name', 'draft', '--draft', '--json'])).stdout).job;
    assert.equal(draft.status, 'DRAFT');
    while (Date.now() <= Date.parse(at)) await new Promise((r) => setTimeout(r, 100));
    assert.equal((await box.run(['scheduler', '--once'])).code, 0);
    const ran = parseJson((await box.run(['job', 'show', 'later', '--json'])).stdout);
    assert.equal(ran.job.status, 'SUCCESS');
    assert.equal(ran.runs.length, 1);
    assert.equal(parseJson((await box.run(['job', 'show', 'draft', '--json'])).stdout).runs.length, 0);
    assert.equal(parseJson((await box.run(['job', 'resume', 'draft', '--json'])).stdout).job.status, 'PENDING');
    assert.equal((await box.run(['scheduler', '--once'])).code, 0);
    assert.equal(parseJson((await box.run(['job', 'show', 'draft', '--json'])).stdout).job.status, 'SUCCESS');
  });

  it('retention keeps the newest N ended runs and deletes the others with their folders', async () => {
    assert.equal((await box.run(['job', 'resume', 'grid'])).code, 2, 'an ended one-off job cannot be resumed');
    const res = await box.run(['job', 'create', 'train.orchest', '--name', 'keep2', '--cron', '0 0 1 1 *', '--max-retained', '2', '--json']);
    assert.equal(res.code, 0, res.stderr);
    assert.equal((await box.run(['job', 'trigger', 'keep2'])).code, 0);
    const first = parseJson((await box.run(['job', 'show', 'keep2', '--json'])).stdout).runs[0];
    for (let i = 0; i < 2; i++) assert.equal((await box.run(['job', 'trigger', 'keep2'])).code, 0);
    const runs = parseJson((await box.run(['job', 'show', 'keep2', '--json'])).stdout).runs;
    assert.deepEqual(runs.map((r: { pipeline_run_index: number }) => r.pipeline_run_index), [2, 1]);
    assert.ok(!existsSync(first.work_dir));
    const deleted = parseJson((await box.run(['events', '--type', 'project:cron-job:run:pipeline-run:deleted', '--json'])).stdout).events;
    assert.deepEqual(deleted.map((e: { project: { job: { pipeline_run: { uuid: string } } } }) => e.project.job.pipeline_run.uuid), [first.uuid]);
  });

  it('job runs beyond BERTH_MAX_JOB_RUNS wait their turn', async () => {
    box.file('steps/slow.sh', 'echo "start $BERTH_RUN_UUID" >> "$BERTH_DATA_DIR/slow"\nsleep 0.3\necho "end $BERTH_RUN_UUID" >> "$BERTH_DATA_DIR/slow"\n');
    writePipeline(box, 'slow.orchest', pipeline('slow', [{ title: 'Slow', file: 'steps/slow.sh' }], { uuid: '99999999-2222-4333-8444-555555555555', parameters: { n: 0 } }));
    const res = await box.run(['job', 'create', 'slow.orchest', '--name', 'one-at-a-time', '--param', 'n=[1,2,3]'], { env: { BERTH_MAX_JOB_RUNS: '1' } });
    assert.equal(res.code, 0, res.stderr);
    const lines = readFileSync(join(box.home, 'data', 'slow'), 'utf8').trim().split('\n');
    assert.equal(lines.length, 6);
    for (let i = 0; i < 6; i += 2) {
      assert.match(lines[i]!, /^start /);
      assert.equal(lines[i + 1], lines[i]!.replace('start', 'end'), 'a run ends before the next starts');
    }
  });

  it('interactive runs beyond BERTH_MAX_INTERACTIVE_RUNS wait too, across pipelines and processes', async () => {
    box.file('steps/mark.sh', 'echo "start $BERTH_RUN_UUID" >> "$BERTH_DATA_DIR/marks"\nsleep 0.5\necho "end $BERTH_RUN_UUID" >> "$BERTH_DATA_DIR/marks"\n');
    writePipeline(box, 'm1.orchest', pipeline('m1', [{ title: 'Mark', file: 'steps/mark.sh' }], { uuid: 'aaaaaaaa-2222-4333-8444-555555555555' }));
    writePipeline(box, 'm2.orchest', pipeline('m2', [{ title: 'Mark', file: 'steps/mark.sh' }], { uuid: 'bbbbbbbb-2222-4333-8444-555555555555' }));
    const env = { BERTH_MAX_INTERACTIVE_RUNS: '1' };
    const [a, b] = await Promise.all([box.run(['run', 'm1.orchest'], { env }), box.run(['run', 'm2.orchest'], { env })]);
    assert.equal(a.code, 0, a.stderr);
    assert.equal(b.code, 0, b.stderr);
    const lines = readFileSync(join(box.home, 'data', 'marks'), 'utf8').trim().split('\n');
    assert.equal(lines.length, 4);
    assert.equal(lines[1], lines[0]!.replace('start', 'end'), 'the second run started after the first ended');
  });

  it('bad input is a coded error naming the field and the fix', async () => {
    const cron = await box.run(['job', 'create', 'train.orchest', '--name', 'x', '--cron', 'every day']);
    assert.equal(cron.code, 2);
    assert.match(cron.stderr, /cron: "every day" is not a cron expression/);
    const tz = await box.run(['job', 'create', 'train.orchest', '--name', 'x', '--cron', '0 * * * *', '--tz', 'Mars/Olympus']);
    assert.match(tz.stderr, /timezone: "Mars\/Olympus" is not an IANA timezone/);
    const both = await box.run(['job', 'create', 'train.orchest', '--name', 'x', '--cron', '0 * * * *', '--at', '2099-01-01T00:00:00Z']);
    assert.match(both.stderr, /mutually exclusive/);
    const dry = await box.run(['job', 'create', 'train.orchest', '--name', 'x', '--param', 'lr=[1,2]', '--param', 'bs=[3,4]', '--dry-run', '--json']);
    assert.deepEqual(parseJson(dry.stdout).parameters.map((p: { pipeline_parameters: { lr: number; bs: number } }) => `${p.pipeline_parameters.lr}/${p.pipeline_parameters.bs}`), ['1/3', '1/4', '2/3', '2/4']);
    const dropped = await box.run(['job', 'create', 'train.orchest', '--name', 'dropped', '--param', 'lr=[1,2]', '--param', 'bs=[3,4]', '--exclude', '1,2', '--no-wait', '--json']);
    assert.equal(dropped.code, 0, dropped.stderr);
    assert.deepEqual(parseJson(dropped.stdout).job.parameters.map((p: { pipeline_parameters: { lr: number; bs: number } }) => `${p.pipeline_parameters.lr}/${p.pipeline_parameters.bs}`), ['1/3', '2/4']);
    assert.equal(parseJson(dropped.stdout).job.status, 'PENDING', '--no-wait leaves the batch to the scheduler');
    assert.equal((await box.run(['job', 'rm', 'dropped'])).code, 0);
    const exclude = await box.run(['job', 'create', 'train.orchest', '--name', 'x', '--param', 'lr=[1,2]', '--exclude', '5']);
    assert.match(exclude.stderr, /exclude: 5 is not a combination index \(0-1\)/);
    const step = await box.run(['job', 'create', 'train.orchest', '--name', 'x', '--param', 'Nope:k=[1]']);
    assert.match(step.stderr, /parameters\.Nope: no step "Nope"/);
    assert.ok(![cron, tz, both, exclude, step].some((r) => /\n\s+at /.test(r.stderr)), 'no stack traces');
    assert.equal(parseJson((await box.run(['job', 'list', '--json'])).stdout).jobs.filter((j: { name: string }) => j.name === 'x').length, 0);
  });
});
