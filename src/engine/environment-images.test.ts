import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { EnvironmentDefinition } from '../core/environment-image.ts';
import type { ImageBuildRequest, ImageBuilder } from '../drivers/image-builder.ts';
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

test('builds are reported: started then succeeded or failed (with the reason), once per shared build, none when found', async () => {
  const images = new InMemoryImages();
  const seen: Array<[string, string, string | null, string | undefined]> = [];
  const envs = new EnvironmentImages(images, '/tmp/builds', { onBuild: async (verb, b) => void seen.push([verb, b.environmentName, b.projectDir, b.reason]) });
  await assert.rejects(envs.ensure(env, undefined, '/projects/p'), /pull access denied/);
  images.registry.set('base:1', 'sha256:pulled');
  await Promise.all([envs.ensure(env, undefined, '/projects/p'), envs.ensure(env, undefined, '/projects/p')]);
  await envs.ensure(env);
  assert.deepEqual(seen, [
    ['started', 'Env', '/projects/p', undefined],
    ['failed', 'Env', '/projects/p', 'pull access denied for base:1'],
    ['started', 'Env', '/projects/p', undefined],
    ['succeeded', 'Env', '/projects/p', undefined],
  ]);
});
