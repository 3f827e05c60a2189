import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { TestServer } from '../helpers/berth-server.ts';
import { dockerTestContext, PYTHON_IMAGE } from '../helpers/docker-test-context.ts';

const T = { timeout: 120_000 };

/** An image whose ENTRYPOINT/CMD serve HTTP on 8080 from its own working directory, as ML Lab's model images do. */
const DOCKERFILE = `FROM ${PYTHON_IMAGE}
WORKDIR /srv/site
RUN echo "served by the image's command" > index.html
ENTRYPOINT ["python3", "-m"]
CMD ["http.server", "8080"]
`;

const ctx = await dockerTestContext('project services on the docker runtime');
if (ctx.available) {
  describe('project services on the docker runtime run the image\'s ENTRYPOINT/CMD when no command is given', () => {
    const t = new TestServer();
    const image = `berth-test/served:${randomUUID().slice(0, 8)}`;
    before(async () => {
      execFileSync('docker', ['build', '-q', '-t', image, '-'], { input: DOCKERFILE, stdio: ['pipe', 'ignore', 'pipe'], timeout: 120_000 });
      await t.start({ env: { BERTH_RUNTIME: 'docker', DOCKER_HOST: process.env.DOCKER_HOST } });
      await t.project('lab');
    });
    after(async () => {
      for (const name of ['model', 'defined']) await t.api('DELETE', `/api/projects/lab/services/${name}`).catch(() => undefined);
      await t.close();
      t.cleanup();
      await ctx.docker.getImage(image).remove({ force: true }).catch(() => undefined);
    });

    const served = async (name: string): Promise<string> => {
      for (let i = 0; i < 200; i++) {
        const res = await t.api('GET', `/api/projects/lab/services/${name}/8080/`);
        if (res.status === 200) return res.text();
        await sleep(100);
      }
      const logs = await (await t.api('GET', `/api/projects/lab/services/${name}/logs`)).text();
      throw new Error(`service ${name} never answered; its log:\n${logs}`);
    };

    it("ML Lab's deploy form: POST …/services?image=IMG&name=N", T, async () => {
      const res = await t.api('POST', `/api/projects/lab/services?image=${encodeURIComponent(image)}&name=model`, { body: { GREETING: 'hi' } });
      assert.equal(res.status, 201, await res.clone().text());
      assert.equal(await served('model'), "served by the image's command\n");
    });

    it('a definition with only name and image', T, async () => {
      const res = await t.api('POST', '/api/projects/lab/services', { body: { name: 'defined', image } });
      assert.equal(res.status, 201, await res.clone().text());
      assert.equal(await served('defined'), "served by the image's command\n");
    });
  });
}
