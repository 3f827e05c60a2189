import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { bashPipeline } from '../helpers/berth-server.ts';
import { eventually } from '../helpers/eventually.ts';
import { AttackServer, attackRuntimes } from './attack-server.ts';

type Report = { run: { uuid: string; status: string }; steps: Array<{ status: string; exit_code: number | null; reason: string | null }> };
type Health = { status: string };

/**
 * Issue 19 item 10 on the docker runtime. It has no launcher of Berth's own to kill (the Engine
 * starts and watches containers), so its equivalent is replayed: under load, one step's container
 * is killed and another's removed from outside Berth, and a service's container is killed. Each
 * ends truthfully (its real exit code, or "vanished"), nothing hangs, /api/health answers and
 * every other run and project still runs.
 */
if ((await attackRuntimes('container death')).includes('docker')) {
  describe('security (docker runtime): a step or service container killed or removed under load ends truthfully; the server and other projects go on', () => {
    const s = new AttackServer('docker');
    before(async () => {
      await s.start();
      // Two pipelines (a pipeline's interactive runs take turns), the same slow step.
      const { pipeline, files } = bashPipeline('slow', [['slow', 'echo started\nsleep 60\nexit 7\n']]);
      for (const [rel, content] of Object.entries(files)) s.file('a', rel, content);
      s.file('a', 'slow.orchest', JSON.stringify(pipeline));
      s.file('a', 'slow2.orchest', JSON.stringify({ ...pipeline, name: 'slow2', uuid: '11111111-2222-4333-8444-777777777777' }));
      const quick = bashPipeline('quick', [['quick', 'echo started\nsleep 2\nexit 0\n']]);
      (quick.pipeline as { uuid: string }).uuid = '11111111-2222-4333-8444-666666666666';
      s.file('a', 'steps/quick.sh', 'echo started\nsleep 2\nexit 0\n');
      for (const step of Object.values((quick.pipeline as { steps: Record<string, { file_path: string }> }).steps)) step.file_path = 'steps/quick.sh';
      s.file('a', 'quick.orchest', JSON.stringify(quick.pipeline));
    });
    after(async () => {
      await s.api('DELETE', '/api/projects/a/services/victim').catch(() => undefined);
      await s.stop();
      s.cleanup();
    });

    const start = async (file: string): Promise<string> => {
      const res = await s.api('POST', '/api/projects/a/runs', { token: s.tokenA, body: { pipeline: file } });
      assert.equal(res.status, 201, await res.clone().text());
      return ((await res.json()) as Report).run.uuid;
    };
    const report = async (uuid: string): Promise<Report> => (await (await s.api('GET', `/api/runs/${uuid}`, { token: s.tokenA })).json()) as Report;
    const ended = (uuid: string): Promise<Report> => eventually(`run ${uuid} to end`, async () => {
      const r = await report(uuid);
      return ['PENDING', 'STARTED'].includes(r.run.status) ? undefined : r;
    }, 120_000);
    const containerOf = (label: string): Promise<string> => eventually(`a running container labelled ${label}`, () => {
      const ids = execFileSync('docker', ['ps', '-q', '--filter', `label=berth.owner.installation=${s.home}`, '--filter', `label=${label}`], { encoding: 'utf8' }).trim();
      return ids === '' ? undefined : ids.split('\n')[0];
    }, 60_000);

    it('docker kill of one step, docker rm -f of another, while a third runs: real exit codes, truthful reasons, the rest succeeds', async () => {
      const [killed, removed, survivor] = [await start('slow.orchest'), await start('slow2.orchest'), await start('quick.orchest')];
      const killedId = await containerOf(`berth.owner.run=${killed}`);
      const removedId = await containerOf(`berth.owner.run=${removed}`);
      await containerOf(`berth.owner.run=${survivor}`);
      execFileSync('docker', ['kill', killedId], { stdio: 'ignore' });
      execFileSync('docker', ['rm', '-f', removedId], { stdio: 'ignore' });
      const k = await ended(killed);
      assert.equal(k.run.status, 'FAILURE', JSON.stringify(k));
      assert.equal(k.steps[0]!.exit_code, 137, JSON.stringify(k));
      const r = await ended(removed);
      assert.equal(r.run.status, 'FAILURE', JSON.stringify(r));
      // rm -f kills the container first: the Engine reports 137 when Berth's wait sees the kill, else the step vanished.
      assert.ok(r.steps[0]!.exit_code === 137 || /vanished|removed/.test(r.steps[0]!.reason ?? ''), JSON.stringify(r));
      assert.equal((await ended(survivor)).run.status, 'SUCCESS');
      assert.equal(await s.alive(), true);
      assert.equal(((await (await s.api('GET', '/api/health', { token: null })).json()) as Health).status, 'ok');
      assert.deepEqual(await s.run('b'), { status: 'SUCCESS', log: 'ran-ok\n' }, 'another project still runs');
      assert.equal((await ended(await start('quick.orchest'))).run.status, 'SUCCESS', 'and so does the same project');
    });

    it("docker kill of a service's container: it shows as stopped, its route answers 502, the server goes on", async () => {
      const path = await s.deploy('a', s.echoService('victim', 8080));
      execFileSync('docker', ['kill', await containerOf('berth.owner.service=victim')], { stdio: 'ignore' });
      await eventually('the service to show as stopped', async () => ((await (await s.api('GET', '/api/projects/a/services/victim', { token: s.tokenA })).json()) as { status: string }).status === 'stopped');
      const res = await eventually('the route to answer 502', async () => {
        const r = await s.api('GET', `${path}/`, { token: s.tokenA });
        await r.arrayBuffer();
        return r.status === 502 ? r : undefined;
      });
      assert.equal(res.status, 502);
      assert.equal(await s.alive(), true);
      assert.deepEqual(await s.run('b'), { status: 'SUCCESS', log: 'ran-ok\n' });
    });
  });
}
