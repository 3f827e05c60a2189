import { join } from 'node:path';
import { CONTEXT_PROJECT_DIR, environmentContextFiles, environmentDockerfile, environmentImageTag, ORCHEST_BASE_IMAGES, resolveBaseImage, type EnvironmentDefinition } from '../core/environment-image.ts';
import { BerthError, isBerthError } from '../errors.ts';
import { projectContextFiles } from './project-context.ts';
import type { ImageBuilder } from '../runtimes/image-builder.ts';
import type { EnvironmentBuild } from '../store/state-change.ts';

/** How a queued build waits: told how many builds are ahead; asked whether it is still needed. */
export interface SlotWait {
  onWaiting: (ahead: number) => void;
  stillNeeded: () => Promise<boolean>;
}

/**
 * Build slots (the engine's BuildQueue: rows in the store, BERTH_MAX_BUILDS). `acquire` returns the
 * build's id once it holds a slot (its `started` event recorded), or null when `stillNeeded` said no
 * while it waited; `release` ends it (`succeeded`, or `failed` with the reason) and frees the slot.
 */
export interface BuildSlots {
  acquire(build: EnvironmentBuild, logPath: string, wait: SlotWait): Promise<string | null>;
  release(uuid: string, failure?: string): Promise<void>;
}

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
  readonly #slots: BuildSlots | undefined;
  readonly #baseImages: Readonly<Record<string, string>>;
  readonly #registry: string | undefined;

  /**
   * Without `slots` builds start at once and record nothing. `baseImages`: what Orchest's base image
   * names mean (ORCHEST_BASE_IMAGES with BERTH_ORCHEST_IMAGES over it). `registry`: images are
   * named `<registry>/berth-env/…` (a cluster pulls them from there).
   */
  constructor(builder: ImageBuilder, buildsDir: string, opts: { slots?: BuildSlots; baseImages?: Readonly<Record<string, string>>; registry?: string } = {}) {
    this.#registry = opts.registry;
    this.#builder = builder;
    this.#buildsDir = buildsDir;
    this.#slots = opts.slots;
    this.#baseImages = opts.baseImages ?? ORCHEST_BASE_IMAGES;
  }

  /** The environment with its base image resolved (`registry:` prefix, Orchest's base images). */
  resolve(env: EnvironmentDefinition): EnvironmentDefinition {
    return { ...env, baseImage: resolveBaseImage(env.baseImage, this.#baseImages) };
  }

  /** The environment's image tag: its base image's local id is part of the hash when the base is there. */
  async tag(env: EnvironmentDefinition): Promise<string> {
    const resolved = this.resolve(env);
    return this.#name(resolved, await this.#builder.imageId(resolved.baseImage));
  }

  /** `projectDir`: the project the image is for (named by the build's events). */
  async ensure(raw: EnvironmentDefinition, onProgress?: (line: string) => void, projectDir: string | null = null): Promise<EnvironmentImage> {
    const env = this.resolve(raw);
    const baseId = await this.#builder.imageId(env.baseImage);
    const image = this.#name(env, baseId);
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
    const notBuilt = { uuid: env.uuid, name: env.name, image, built: false, log };
    if (await this.#builder.hasImage(image)) return notBuilt;
    const build: EnvironmentBuild = { projectDir, environmentUuid: env.uuid, environmentName: env.name, image };
    const slot = this.#slots
      ? await this.#slots.acquire(build, log, {
          onWaiting: (ahead) => onProgress?.(`waiting for a build slot: ${ahead} ahead`),
          // Another Berth process may build the same image meanwhile.
          stillNeeded: async () => !(await this.#builder.hasImage(image)),
        })
      : undefined;
    if (slot === null) return notBuilt;
    try {
      // A missing base image is pulled first, with progress; offline the error says which image and how to provide it.
      if (basePulled) await this.#pullBase(env, onProgress);
      await this.#builder.build({
        tag: image,
        dockerfile: environmentDockerfile(env),
        files: environmentContextFiles(env),
        folder: env.projectDir && env.setupScript !== null ? { root: env.projectDir, files: projectContextFiles(env.projectDir), prefix: CONTEXT_PROJECT_DIR } : undefined,
        labels: { 'berth.managed': 'true', 'berth.environment': env.uuid },
        logPath: log,
        onProgress,
      });
      // The build pulled the base image: name the result by the base's id too, as the next lookup will.
      const baseId = basePulled ? await this.#builder.imageId(env.baseImage) : null;
      if (baseId !== null) await this.#builder.tag(image, this.#name(env, baseId));
    } catch (e) {
      if (slot !== undefined) await this.#slots!.release(slot, e instanceof Error ? e.message : String(e));
      throw e;
    }
    if (slot !== undefined) await this.#slots!.release(slot);
    return { ...notBuilt, built: true };
  }

  #name(env: EnvironmentDefinition, baseId: string | null): string {
    const tag = environmentImageTag(env, baseId);
    return this.#registry ? `${this.#registry}/${tag}` : tag;
  }

  /**
   * The image a service's `image` means: through the same table as base images (BERTH_ORCHEST_IMAGES
   * can point `postgres`, `redis`, … at local images), `registry:` handled.
   */
  serviceImage(image: string): string {
    return resolveBaseImage(image, this.#baseImages);
  }

  /** Pulls `image` (progress to `onProgress`) when it is not there; BERTH_E_IMAGE_NOT_FOUND says how to provide it. */
  async ensurePulled(image: string, onProgress?: (line: string) => void): Promise<void> {
    if ((await this.#builder.imageId(image)) === null) await this.#builder.pull(image, onProgress);
  }

  async #pullBase(env: EnvironmentDefinition, onProgress?: (line: string) => void): Promise<void> {
    try {
      await this.#builder.pull(env.baseImage, onProgress);
    } catch (e) {
      if (!isBerthError(e) || e.code !== 'BERTH_E_IMAGE_NOT_FOUND') throw e;
      throw new BerthError(e.code, `environment "${env.name}" (${env.uuid}) needs its base image: ${e.message}`, { cause: e, problems: e.problems, details: { ...e.details, environment: env.uuid } });
    }
  }
}
