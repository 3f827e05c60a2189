import { join } from 'node:path';
import { environmentContextFiles, environmentDockerfile, environmentImageTag, type EnvironmentDefinition } from '../core/environment-image.ts';
import type { ImageBuilder } from '../drivers/image-builder.ts';
import type { EnvironmentBuild } from '../store/state-change.ts';

/** Told when a build starts, succeeds or fails (the engine records it as an event). */
export type EnvironmentBuildListener = (verb: 'started' | 'succeeded' | 'failed', build: EnvironmentBuild) => Promise<void>;

export interface EnvironmentImage {
  uuid: string;
  name: string;
  image: string;
  /** False when an image with this content hash already existed. */
  built: boolean;
  /** The build log (written only when built). */
  log: string;
}

/** Environment images by content hash: each is built once (concurrent requests share the build). */
export class EnvironmentImages {
  readonly #builder: ImageBuilder;
  readonly #buildsDir: string;
  readonly #inFlight = new Map<string, Promise<EnvironmentImage>>();
  readonly #onBuild: EnvironmentBuildListener | undefined;

  constructor(builder: ImageBuilder, buildsDir: string, opts: { onBuild?: EnvironmentBuildListener } = {}) {
    this.#builder = builder;
    this.#buildsDir = buildsDir;
    this.#onBuild = opts.onBuild;
  }

  /** The environment's image tag: its base image's local id is part of the hash when the base is there. */
  async tag(env: EnvironmentDefinition): Promise<string> {
    return environmentImageTag(env, await this.#builder.imageId(env.baseImage));
  }

  /** `projectDir`: the project the image is for (named by the build's events). */
  async ensure(env: EnvironmentDefinition, onProgress?: (line: string) => void, projectDir: string | null = null): Promise<EnvironmentImage> {
    const baseId = await this.#builder.imageId(env.baseImage);
    const image = environmentImageTag(env, baseId);
    let pending = this.#inFlight.get(image);
    if (!pending) {
      pending = this.#ensure(env, image, baseId === null, onProgress, projectDir);
      this.#inFlight.set(image, pending);
      pending.catch(() => this.#inFlight.delete(image));
    }
    return pending;
  }

  async #ensure(env: EnvironmentDefinition, image: string, basePulled: boolean, onProgress: ((line: string) => void) | undefined, projectDir: string | null): Promise<EnvironmentImage> {
    const log = join(this.#buildsDir, env.uuid, `${image.slice(image.lastIndexOf(':') + 1)}.log`);
    if (await this.#builder.hasImage(image)) return { uuid: env.uuid, name: env.name, image, built: false, log };
    const build: EnvironmentBuild = { projectDir, environmentUuid: env.uuid, environmentName: env.name, image };
    await this.#onBuild?.('started', build);
    try {
      await this.#builder.build({
        tag: image,
        dockerfile: environmentDockerfile(env),
        files: environmentContextFiles(env),
        labels: { 'berth.managed': 'true', 'berth.environment': env.uuid },
        logPath: log,
        onProgress,
      });
    } catch (e) {
      await this.#onBuild?.('failed', { ...build, reason: e instanceof Error ? e.message : String(e) });
      throw e;
    }
    // The build pulled the base image: name the result by the base's id too, as the next lookup will.
    const baseId = basePulled ? await this.#builder.imageId(env.baseImage) : null;
    if (baseId !== null) await this.#builder.tag(image, environmentImageTag(env, baseId));
    await this.#onBuild?.('succeeded', build);
    return { uuid: env.uuid, name: env.name, image, built: true, log };
  }
}
