import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { bashPipeline, TestServer } from '../helpers/berth-server.ts';
import { killLeftovers } from './leftovers.ts';

type Report = { run: { uuid: string; status: string }; steps: Array<{ title: string; status: string; exit_code: number | null; reason: string | null }> };
type Health = { status: string; helpers: Array<{ name: string; state: string; restarts: number; reason?: string }> };

/** This process's launcher.py processes: the supervisor (our child) and its worker (the supervisor's child). */
function launchers(): { supervisor?: number; worker?: number } {
  const found: Array<{ pid: number; ppid: number }> = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      if (!readFileSync(`/proc/${name}/cmdline`, 'utf8').includes('launcher.py')) continue;
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      found.push({ pid: Number(name), ppid: Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) });
    } catch {
      continue;
    }
  }
  const supervisor = found.find((p) => p.ppid === process.pid)?.pid;
  return { supervisor, worker: found.find((p) => supervisor !== undefined && p.ppid === supervisor)?.pid };
}

/** Issue 19 item 10: `kill -9` of the launcher under load. */
describe('a killed process launcher is replaced and its workloads keep their real exit codes (issue 19 item 10)', () => {
  const t = new TestServer();
  const pipeline = bashPipeline('p', [['slow', 'echo started; sleep 1.5; exit 7']]);
  const quick = bashPipeline('q', [['quick', 'echo fine']]);
  before(async () => {
    await t.start();
    const files: Record<string, string> = {};
    for (const [rel, text] of Object.entries(pipeline.files)) files[rel] = text;
    files['p.orchest'] = JSON.stringify(pipeline.pipeline);
    files['steps/q.sh'] = 'echo fine';
    const q = quick.pipeline as { uuid: string; steps: Record<string, { file_path: string }> };
    q.uuid = '11111111-2222-4333-8444-666666666666';
    for (const step of Object.values(q.steps)) step.file_path = 'steps/q.sh';
    files['q.orchest'] = JSON.stringify(q);
    await t.project('lab', files);
  });
  after(async () => {
    await t.close();
    await killLeftovers(t.root);
    t.cleanup();
  });

  const health = async (): Promise<Health> => (await (await t.api('GET', '/api/health', { token: null })).json()) as Health;
  const startRun = async (file: string): Promise<string> => {
    const res = await t.api('POST', '/api/projects/lab/runs', { body: { pipeline: file } });
    assert.equal(res.status, 201, await res.clone().text());
    return ((await res.json()) as Report).run.uuid;
  };
  const whileRunning = async (uuid: string): Promise<void> => {
    for (let i = 0; i < 100; i++) {
      const report = (await (await t.api('GET', `/api/runs/${uuid}`)).json()) as Report & { steps: Array<{ uuid: string }> };
      const step = report.steps[0];
      const log = step?.status === 'STARTED' ? await (await t.api('GET', `/api/runs/${uuid}/steps/${step.uuid}/logs`)).text() : '';
      if (log.includes('started') && launchers().supervisor !== undefined) return;
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.fail('the step did not start');
  };

  for (const which of ['worker', 'supervisor'] as const) {
    it(`kill -9 of the launcher's ${which} mid-step: the step keeps its exit code 7, the next run works, health says so`, async () => {
      const uuid = await startRun('p.orchest');
      await whileRunning(uuid);
      const before = (await health()).helpers?.find((h) => h.name === 'process-launcher')?.restarts ?? 0;
      // (A single-process launcher, as before the fix, is both.)
      const { supervisor, worker } = launchers();
      process.kill(which === 'worker' ? (worker ?? supervisor!) : supervisor!, 'SIGKILL');
      const report = (await t.waitForRun(uuid)) as unknown as Report;
      assert.equal(report.steps[0]!.exit_code, 7, JSON.stringify(report));
      assert.doesNotMatch(report.steps[0]!.reason ?? '', /vanished/);
      if (which === 'supervisor') {
        const down = await health();
        assert.equal(down.status, 'degraded');
        assert.equal(down.helpers[0]!.state, 'down', JSON.stringify(down));
      }
      const next = (await t.waitForRun(await startRun('q.orchest'))) as unknown as Report;
      assert.equal(next.run.status, 'SUCCESS', JSON.stringify(next));
      const after = await health();
      assert.equal(after.status, 'degraded', JSON.stringify(after));
      assert.equal(after.helpers[0]!.state, 'restarted');
      assert.ok(after.helpers[0]!.restarts > before, JSON.stringify(after));
    });
  }
});
