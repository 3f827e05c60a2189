import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, describe, it } from 'node:test';
import { parseJson, pipeline, Sandbox, writePipeline } from '../helpers/berth-cli.ts';
import { BUSYBOX_IMAGE, dockerTestContext } from '../helpers/docker-test-context.ts';

const ctx = await dockerTestContext('Orchest environment builds on Docker');
const T = { timeout: 180_000 };

if (ctx.available) {
  describe('Orchest environment builds on Docker', () => {
    const box = new Sandbox();
    after(async () => {
      if (ctx.available) {
        for (const image of await ctx.docker.listImages({ filters: { label: ['berth.environment=cccccccc-1111-4111-8111-000000000001'] } })) {
          await ctx.docker.getImage(image.Id).remove({ force: true }).catch(() => undefined);
        }
      }
      box.cleanup();
    });
    const ENV = 'cccccccc-1111-4111-8111-000000000001';
    const MISSING = 'dddddddd-1111-4111-8111-000000000002';
    // Orchest's `registry:` prefix in front of a local image; the script reads project files, as
    // Orchest's docs recommend (`pip install -r requirements.txt`), and its status is its last command's.
    box.file(`.orchest/environments/${ENV}/properties.json`, JSON.stringify({ name: 'Busy', uuid: ENV, base_image: `registry:${BUSYBOX_IMAGE}` }));
    box.file(`.orchest/environments/${ENV}/setup_script.sh`, [
      'echo "setup in $(pwd)"',
      'cat requirements.txt > /berth-built.txt',
      'ls -a >> /berth-built.txt',
      'false',
      'echo "after a failing command"',
    ].join('\n'));
    box.file('requirements.txt', 'left-pad==1.0\n');
    box.file('.gitignore', 'secret.txt\nbuild/\n');
    box.file('.dockerignore', 'huge.bin\n');
    box.file('secret.txt', 'not for the image\n');
    box.file('huge.bin', 'x');
    box.file('build/out.txt', 'ignored folder\n');
    box.file('show.sh', 'cat /berth-built.txt\n');
    box.file(`.orchest/environments/${MISSING}/properties.json`, JSON.stringify({ name: 'Gone', uuid: MISSING, base_image: 'berth-test/no-such-base:1' }));
    box.file(`.orchest/environments/${MISSING}/setup_script.sh`, 'true\n');
    const def = pipeline('build', [{ title: 'Show', file: 'show.sh' }, { title: 'Never', file: 'show.sh' }]);
    const steps = Object.values(def.steps as Record<string, Record<string, unknown>>);
    steps[0]!.environment = ENV;
    steps[1]!.environment = MISSING;
    writePipeline(box, 'build.orchest', def);

    it('the project (minus .gitignore/.dockerignore/.orchest) is the context at /project-dir; `bash < setup_script.sh` runs there; registry: is dropped', T, async () => {
      const res = await box.run(['run', 'build.orchest', '--runtime', 'docker', '--steps', 'Show']);
      assert.equal(res.code, 0, res.stderr);
      assert.match(res.stderr, new RegExp(`Step 1/\\d+ : FROM ${BUSYBOX_IMAGE.replace(/[/.]/g, '\\$&')}`));
      assert.match(res.stderr, /setup in \/project-dir/);
      const report = parseJson((await box.run(['runs', 'show', res.stderr.match(/Run ([0-9a-f-]{36})/)![1]!, '--json'])).stdout);
      const built = readFileSync(report.steps[0].log_path, 'utf8').split('\n');
      assert.equal(built[0], 'left-pad==1.0');
      const files = built.slice(1).filter(Boolean).sort();
      assert.deepEqual(files, ['.', '..', '.dockerignore', '.gitignore', 'build.orchest', 'requirements.txt', 'show.sh']);
    });

    it('a base image that is neither local nor pullable fails the step naming the environment, the image and how to provide it', T, async () => {
      const res = await box.run(['run', 'build.orchest', '--runtime', 'docker', '--steps', 'Never', '--json']);
      assert.equal(res.code, 1);
      const reason: string = parseJson(res.stdout).steps[0].reason;
      assert.match(reason, /environment "Gone" \(dddddddd-[^)]+\) needs its base image: image "berth-test\/no-such-base:1" is not on the Docker engine and could not be pulled: [^]*docker load -i image\.tar/);
    });

    it('a session service whose image is missing is pulled first; offline the start fails naming the image and how to provide it', T, async () => {
      writePipeline(box, 'svc.orchest', pipeline('svc', [{ title: 'Show', file: 'show.sh' }], {
        services: { cache: { name: 'cache', image: 'berth-test/no-such-service:1', command: 'sleep', args: '60', ports: [8080], scope: ['interactive'] } },
      }));
      const res = await box.run(['session', 'start', 'svc.orchest', '--runtime', 'docker']);
      assert.notEqual(res.code, 0);
      assert.match(res.stderr, /service cache: pulling berth-test\/no-such-service:1/);
      assert.match(res.stderr, /image "berth-test\/no-such-service:1" is not on the Docker engine and could not be pulled[^]*docker load -i image\.tar/);
    });
  });
}
