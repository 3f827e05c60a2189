import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { BuildRepository, type BuildRow } from '../../src/store/build-repository.ts';
import { openStore } from '../../src/store/open-store.ts';
import { collect, parseJson, Sandbox } from '../helpers/berth-cli.ts';
import { ADMIN, TestServer } from '../helpers/berth-server.ts';
import { BUSYBOX_IMAGE, dockerTestContext } from '../helpers/docker-test-context.ts';
import { eventually } from '../helpers/eventually.ts';

const ctx = await dockerTestContext('environment build queue (BERTH_MAX_BUILDS)');
const T = { timeout: 180_000 };

if (ctx.available) {
  describe('environment build queue (BERTH_MAX_BUILDS=1, two berth processes)', () => {
    const box = new Sandbox();
    const env = { BERTH_MAX_BUILDS: '1' };
    const built: string[] = [];
    after(async () => {
      for (const image of built) await ctx.docker.getImage(image).remove({ force: true }).catch(() => undefined);
      box.cleanup();
    });

    /** An environment whose setup script runs `script`; a nonce makes its image new in every test run. */
    function environment(name: string, script: string): string {
      const uuid = randomUUID();
      box.file(`.orchest/environments/${uuid}/properties.json`, JSON.stringify({ name, base_image: BUSYBOX_IMAGE }));
      box.file(`.orchest/environments/${uuid}/setup_script.sh`, `# ${randomUUID()}\n${script}\n`);
      return `.orchest/environments/${uuid}`;
    }

    /** The store's build rows (a real read of BERTH_HOME/berth.db, as a second Berth would). */
    async function builds(): Promise<BuildRow[]> {
      const db = await openStore(join(box.home, 'berth.db'));
      try {
        return await new BuildRepository(db).list({ limit: 50 });
      } finally {
        await db.destroy();
      }
    }

    async function buildEvents(): Promise<Array<{ id: number; verb: string; env: string }>> {
      const res = await box.run(['events', '--type', 'project:environment:image-build:', '--limit', '100', '--json']);
      assert.equal(res.code, 0, res.stderr);
      return parseJson(res.stdout).events.map((e: any) => ({ id: Number(e.id), verb: e.type.split(':').pop(), env: e.project.environment.name })).sort((a: any, b: any) => a.id - b.id);
    }

    it('the second build waits (N ahead) and starts only after the first ended', T, async () => {
      const first = environment('First', 'sleep 3; echo first-done');
      const second = environment('Second', 'echo second-done');
      const a = box.spawn(['env', 'build', first, '--json'], { env });
      const aDone = collect(a);
      await eventually('the first build holds the slot', async () => (await builds()).some((b) => b.environment_name === 'First' && b.status === 'STARTED'), 90_000);
      const bDone = box.run(['env', 'build', second, '--json'], { env });
      const [ra, rb] = await Promise.all([aDone, bDone]);
      assert.equal(ra.code, 0, ra.stderr);
      assert.equal(rb.code, 0, rb.stderr);
      built.push(...[ra, rb].map((r) => parseJson(r.stdout).environments[0].image));
      assert.match(rb.stderr, /\[Second\] waiting for a build slot: 1 ahead/);

      const events = (await buildEvents()).filter((e) => e.env === 'First' || e.env === 'Second');
      assert.deepEqual(events.map((e) => `${e.env} ${e.verb}`), ['First started', 'First succeeded', 'Second started', 'Second succeeded']);
      const rows = await builds();
      const row = (name: string) => rows.find((b) => b.environment_name === name)!;
      assert.deepEqual([row('First').status, row('Second').status], ['SUCCESS', 'SUCCESS']);
      assert.ok(row('Second').started_at! >= row('First').finished_at!, `Second started ${row('Second').started_at}, First ended ${row('First').finished_at}`);
    });

    it('a killed holder does not block: the waiter takes the slot and the dead build is FAILURE', T, async () => {
      const stuck = environment('Stuck', 'sleep 120');
      const next = environment('Next', 'echo next-done');
      const holder = box.spawn(['env', 'build', stuck], { env });
      const holderDone = collect(holder);
      await eventually('the stuck build holds the slot', async () => (await builds()).some((b) => b.environment_name === 'Stuck' && b.status === 'STARTED'), 90_000);
      const waiter = box.spawn(['env', 'build', next, '--json'], { env });
      const waiterDone = collect(waiter);
      let waiterErr = '';
      waiter.stderr!.on('data', (d: Buffer) => (waiterErr += d.toString()));
      await eventually('the second build waits', async () => /waiting for a build slot: 1 ahead/.test(waiterErr), 90_000);
      holder.kill('SIGKILL');
      await holderDone;
      const res = await waiterDone;
      assert.equal(res.code, 0, res.stderr);
      built.push(parseJson(res.stdout).environments[0].image);
      const rows = await builds();
      const dead = rows.find((b) => b.environment_name === 'Stuck')!;
      assert.equal(dead.status, 'FAILURE');
      assert.match(dead.reason!, new RegExp(`pid ${holder.pid}\\) building this image exited before it ended`));
      assert.equal(rows.find((b) => b.environment_name === 'Next')!.status, 'SUCCESS');
      const events = (await buildEvents()).filter((e) => e.env === 'Stuck' || e.env === 'Next');
      assert.deepEqual(events.map((e) => `${e.env} ${e.verb}`), ['Stuck started', 'Stuck failed', 'Next started', 'Next succeeded']);
    });

    it('berth env builds lists them newest first, filtered and paginated, here and through GET /api/builds', T, async () => {
      const all = await box.run(['env', 'builds', '--json']);
      assert.equal(all.code, 0, all.stderr);
      const page = parseJson(all.stdout);
      assert.deepEqual(page.builds.map((b: any) => `${b.environment_name} ${b.status}`), ['Next SUCCESS', 'Stuck FAILURE', 'Second SUCCESS', 'First SUCCESS']);
      assert.equal(page.next_cursor, null);
      assert.equal(page.builds[0].owner_pid, undefined);
      const failed = parseJson((await box.run(['env', 'builds', '--status', 'FAILURE', '--json'])).stdout).builds;
      assert.deepEqual(failed.map((b: any) => b.environment_name), ['Stuck']);
      const first = parseJson((await box.run(['env', 'builds', '--limit', '2', '--json'])).stdout);
      const second = parseJson((await box.run(['env', 'builds', '--limit', '2', '--before', first.next_cursor, '--json'])).stdout);
      assert.deepEqual([...first.builds, ...second.builds].map((b: any) => b.environment_name), ['Next', 'Stuck', 'Second', 'First']);
      const text = await box.run(['env', 'builds']);
      assert.match(text.stdout, /^BUILD\s+ENVIRONMENT\s+STATUS/);
      assert.match(text.stdout, /Stuck\s+FAILURE/);
      const lost = await box.run(['env', 'builds', '--before', 'nope']);
      assert.equal(lost.code, 2);
      assert.match(lost.stderr, /before: not a build id/);
      const bad = await box.run(['env', 'builds', '--status', 'DONE']);
      assert.equal(bad.code, 2);
      assert.match(bad.stderr, /--status "DONE" is not a build status/);

      // The same store served by a Berth server: the API and the CLI through it list the same builds.
      const server = new TestServer();
      await server.start({ env: { BERTH_HOME: box.home } });
      try {
        const res = await server.api('GET', '/api/builds?limit=3');
        assert.equal(res.status, 200, await res.clone().text());
        const api = (await res.json()) as any;
        assert.deepEqual(api.builds.map((b: any) => b.environment_name), ['Next', 'Stuck', 'Second']);
        assert.equal(api.next_cursor, api.builds[2].uuid);
        const remote = await box.run(['env', 'builds', '--json'], { env: { BERTH_ENDPOINT: server.url, BERTH_TOKEN: ADMIN } });
        assert.equal(remote.code, 0, remote.stderr);
        assert.deepEqual(parseJson(remote.stdout), page);
      } finally {
        await server.close();
        server.cleanup();
      }
    });
  });
}
