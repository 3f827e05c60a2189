import { join } from 'node:path';
import { environmentContextFiles, environmentDockerfile, environmentImageTag, type EnvironmentDefinition } from '../core/environment-image.ts';
import type { ImageBuilder } from '../drivers/image-builder.ts';

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

  constructor(builder: ImageBuilder, buildsDir: string) {
    this.#builder = builder;
    this.#buildsDir = buildsDir;
  }

  ensure(env: EnvironmentDefinition, onProgress?: (line: string) => void): Promise<EnvironmentImage> {
    const image = environmentImageTag(env);
    let pending = this.#inFlight.get(image);
    if (!pending) {
      pending = this.#ensure(env, image, onProgress);
      this.#inFlight.set(image, pending);
      pending.catch(() => this.#inFlight.delete(image));
    }
    return pending;
  }

  async #ensure(env: EnvironmentDefinition, image: string, onProgress?: (line: string) => void): Promise<EnvironmentImage> {
    const log = join(this.#buildsDir, env.uuid, `${image.slice(image.lastIndexOf(':') + 1)}.log`);
    if (await this.#builder.hasImage(image)) return { uuid: env.uuid, name: env.name, image, built: false, log };
    await this.#builder.build({
      tag: image,
      dockerfile: environmentDockerfile(env),
      files: environmentContextFiles(env),
      labels: { 'berth.managed': 'true', 'berth.environment': env.uuid },
      logPath: log,
      onProgress,
    });
    return { uuid: env.uuid, name: env.name, image, built: true, log };
  }
}
