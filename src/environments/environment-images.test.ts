import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import type { EnvironmentDefinition } from '../core/environment-image.ts';
import type { ImageBuildRequest, ImageBuilder } from '../runtimes/image-builder.ts';
import { BuildRepository } from '../store/build-repository.ts';
import { openStore } from '../store/open-store.ts';
import { BuildQueue } from './build-queue.ts';
import { EnvironmentImages } from './environment-images.ts';

/** An engine's image store at the far edge: `registry` holds what a build may pull. */
class InMemoryImages implements ImageBuilder {
  readonly local = new Map<string, string>();
  readonly registry = new Map<string, string>();
  builds: ImageBuildRequest[] = [];

  async imageId(name: string): Promise<string | null> {
    return this.local.get(name) ?? null;
  }
  async hasImage(tag: string): Promise<boolean> {
    return this.local.has(tag);
  }
  async tag(image: string, as: string): Promise<void> {
    this.local.set(as, this.local.get(image)!);
  }
  async build(request: ImageBuildRequest): Promise<void> {
    this.builds.push(request);
    await new Promise((r) => setTimeout(r, 5));
    const base = /^FROM (\S+)/.exec(request.dockerfile)![1]!;
    if (!this.local.has(base)) {
      const pulled = this.registry.get(base);
      if (!pulled) throw new Error(`pull access denied for ${base}`);
      this.local.set(base, pulled);
    }
    this.local.set(request.tag, `sha256:built-${this.builds.length}`);
  }
}

const env: EnvironmentDefinition = { uuid: 'env-1', name: 'Env', baseImage: 'base:1', setupScript: 'echo hi\n' };

test('an environment is built once: concurrent requests share the build, later ones find the image', async () => {
  const images = new InMemoryImages();
  images.local.set('base:1', 'sha256:base');
  const envs = new EnvironmentImages(images, '/tmp/builds');
  const [a, b] = await Promise.all([envs.ensure(env), envs.ensure(env)]);
  assert.equal(images.builds.length, 1);
  assert.equal(a, b);
  assert.equal(a.built, true);
  assert.match(a.log, /^\/tmp\/builds\/env-1\/[0-9a-f]{16}\.log$/);
  const again = await new EnvironmentImages(images, '/tmp/builds').ensure(env);
  assert.deepEqual([again.built, again.image], [false, a.image]);
  assert.equal(images.builds.length, 1);
});

test('a new base image (same name, new id) or a changed setup script gives a new image', async () => {
  const images = new InMemoryImages();
  images.local.set('base:1', 'sha256:base');
  const envs = new EnvironmentImages(images, '/tmp/builds');
  const first = await envs.ensure(env);
  images.local.set('base:1', 'sha256:base-rebuilt');
  const second = await envs.ensure(env);
  const third = await envs.ensure({ ...env, setupScript: 'echo changed\n' });
  assert.equal(new Set([first.image, second.image, third.image]).size, 3);
  assert.equal(images.builds.length, 3);
});

test('a base image the build pulled: the next lookup (which sees its id) finds the built image', async () => {
  const images = new InMemoryImages();
  images.registry.set('base:1', 'sha256:pulled');
  const first = await new EnvironmentImages(images, '/tmp/builds').ensure(env);
  assert.equal(first.built, true);
  const next = await new EnvironmentImages(images, '/tmp/builds').ensure(env);
  assert.equal(next.built, false);
  assert.equal(images.builds.length, 1);
});

test('a failed build is not remembered: the next request builds again', async () => {
  const images = new InMemoryImages();
  const envs = new EnvironmentImages(images, '/tmp/builds');
  await assert.rejects(envs.ensure(env), /pull access denied for base:1/);
  images.registry.set('base:1', 'sha256:pulled');
  assert.equal((await envs.ensure(env)).built, true);
});

/** A real store in a temp folder with the build queue over it; `seen` is what the state hook was told. */
async function queueOnStore(limit: number) {
  const dir = mkdtempSync(join(tmpdir(), 'berth-builds-'));
  const db = await openStore(join(dir, 'berth.db'));
  const seen: Array<[string, string, string | null, string | undefined]> = [];
  const repo = new BuildRepository(db, { limit, hook: async (_tx, c) => void (c.entity === 'environment-build' && seen.push([c.verb, c.build.environmentName, c.build.projectDir, c.build.reason])) });
  return { repo, queue: new BuildQueue(repo), seen, close: async () => (await db.destroy(), rmSync(dir, { recursive: true, force: true })) };
}

test('builds are reported: started then succeeded or failed (with the reason), once per shared build, none when found', async () => {
  const images = new InMemoryImages();
  const store = await queueOnStore(1);
  after(store.close);
  const envs = new EnvironmentImages(images, '/tmp/builds', { slots: store.queue });
  await assert.rejects(envs.ensure(env, undefined, '/projects/p'), /pull access denied/);
  images.registry.set('base:1', 'sha256:pulled');
  await Promise.all([envs.ensure(env, undefined, '/projects/p'), envs.ensure(env, undefined, '/projects/p')]);
  await envs.ensure(env);
  assert.deepEqual(store.seen, [
    ['started', 'Env', '/projects/p', undefined],
    ['failed', 'Env', '/projects/p', 'pull access denied for base:1'],
    ['started', 'Env', '/projects/p', undefined],
    ['succeeded', 'Env', '/projects/p', undefined],
  ]);
  const rows = await store.repo.list({ limit: 10 });
  assert.deepEqual(rows.map((r) => r.status).sort(), ['FAILURE', 'SUCCESS']);
});

test('with one build slot a second build waits (told how many are ahead) and starts after the first ends', async () => {
  const images = new InMemoryImages();
  images.local.set('base:1', 'sha256:base');
  const store = await queueOnStore(1);
  after(store.close);
  const envs = new EnvironmentImages(images, '/tmp/builds', { slots: store.queue });
  const other = { ...env, uuid: 'env-2', name: 'Other' };
  const progress: string[] = [];
  await Promise.all([envs.ensure(env, (line) => progress.push(`Env: ${line}`)), envs.ensure(other, (line) => progress.push(`Other: ${line}`))]);
  // Whichever got the slot first, the other started only after it ended.
  const [first, second] = store.seen[0]![1] === 'Env' ? ['Env', 'Other'] : ['Other', 'Env'];
  assert.deepEqual(store.seen.map(([verb, name]) => `${verb} ${name}`), [`started ${first}`, `succeeded ${first}`, `started ${second}`, `succeeded ${second}`]);
  assert.deepEqual(progress, [`${second}: waiting for a build slot: 1 ahead`]);
});

test('a build whose holder process is gone frees its slot; one whose image appeared while waiting is withdrawn', async () => {
  const images = new InMemoryImages();
  images.local.set('base:1', 'sha256:base');
  const store = await queueOnStore(1);
  after(store.close);
  const gone = spawnSync('true').pid!;
  const stale = { project_dir: null, environment_uuid: 'x', environment_name: 'X', image: 'x:1', reason: null, log_path: '/tmp/x.log', owner_host: hostname(), owner_start: null, started_at: null, finished_at: null };
  await store.repo.create({ ...stale, uuid: 'dead-holder', status: 'STARTED', owner_pid: gone, created_at: '2020-01-01T00:00:00.000Z' });
  const built = await new EnvironmentImages(images, '/tmp/builds', { slots: store.queue }).ensure(env);
  assert.equal(built.built, true);
  const dead = await store.repo.get('dead-holder');
  assert.equal(dead?.status, 'FAILURE');
  assert.match(dead?.reason ?? '', new RegExp(`pid ${gone}\\) building this image exited`));

  // A live holder (this process) keeps the slot; the image appears meanwhile, so the waiter withdraws.
  await store.repo.create({ ...stale, uuid: 'live-holder', status: 'STARTED', owner_pid: process.pid, created_at: new Date().toISOString() });
  const third = { ...env, uuid: 'env-3', name: 'Third' };
  const tag = await new EnvironmentImages(images, '/tmp/builds').tag(third);
  const waiting = new EnvironmentImages(images, '/tmp/builds', { slots: store.queue }).ensure(third, () => images.local.set(tag, 'sha256:by-another'));
  const result = await waiting;
  assert.equal(result.built, false);
  assert.equal(images.builds.filter((b) => b.tag === tag).length, 0);
  assert.deepEqual((await store.repo.list({ limit: 10 })).map((r) => r.uuid).filter((u) => u !== 'dead-holder' && u !== 'live-holder').length, 1);
});
