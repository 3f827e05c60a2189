import { createHash } from 'node:crypto';
import { createWriteStream, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { BerthError } from '../../errors.ts';
import type { KubeBuildSettings, KubeSettings } from '../../config/kube-settings.ts';
import { packContext } from '../build-context.ts';
import type { ImageBuildRequest, ImageBuilder } from '../image-builder.ts';
import { CONTEXT_FILE, builderJob } from './builder-job.ts';
import type { BuildJobResult } from './build-job-runner.ts';
import type { V1Job } from '@kubernetes/client-node';

const LOG_TAIL_LINES = 20;

/** What the builder needs of the driver: running one builder Job to its end. */
export interface BuildJobs {
  runBuildJob(job: V1Job, opts: { logPath: string; onLine?: (line: string) => void; signal?: AbortSignal }): Promise<BuildJobResult>;
}

/** What Berth records of an image a builder Job pushed. */
export interface PushedImage {
  image: string;
  /** sha256:… as the builder reported it (empty when it did not). */
  digest: string;
  /** The node the build ran on (it does not hold the image: the builders push from their own storage). */
  builtOn: string | null;
  at: string;
}

/**
 * Environment images built on the cluster: the context (Dockerfile, files, project folder) is
 * written as context.tar.gz next to the build log — a folder the cluster must see through
 * BERTH_KUBE_VOLUMES — and a builder Job (kaniko or rootless BuildKit) builds it and pushes it to
 * BERTH_KUBE_REGISTRY; workloads pull it with BERTH_KUBE_IMAGE_PULL_SECRETS. Which images exist
 * is what this installation pushed (a record under BERTH_HOME/builds/pushed/): Berth holds no
 * registry credentials to ask the registry. There are no local images: imageId is null, so base
 * images are pulled by the builder and workload images by the nodes (pull resolves at once).
 */
export class KubeImageBuilder implements ImageBuilder {
  readonly #jobs: BuildJobs;
  readonly #settings: KubeSettings;
  readonly #build: KubeBuildSettings;
  readonly #recordDir: string;
  readonly #installation: string | undefined;

  constructor(jobs: BuildJobs, opts: { settings: KubeSettings; build: KubeBuildSettings; home: string; installation?: string }) {
    this.#jobs = jobs;
    this.#settings = opts.settings;
    this.#build = opts.build;
    this.#recordDir = join(opts.home, 'builds', 'pushed');
    this.#installation = opts.installation;
  }

  async hasImage(tag: string): Promise<boolean> {
    return existsSync(this.#record(tag));
  }

  /** What this installation knows of a pushed image, or null. */
  pushed(tag: string): PushedImage | null {
    try {
      return JSON.parse(readFileSync(this.#record(tag), 'utf8')) as PushedImage;
    } catch {
      return null;
    }
  }

  async imageId(): Promise<string | null> {
    return null;
  }

  async tag(image: string, as: string): Promise<void> {
    throw new BerthError('BERTH_E_RUNTIME_UNSUPPORTED', `the kubernetes runtime cannot tag ${image} as ${as}: its images live in a registry Berth has no credentials for`);
  }

  async pull(): Promise<void> {
    // The nodes pull workload images and the builder pulls base images: nothing to do here.
  }

  /** Where a build's context is written (next to its log: a folder the cluster sees through BERTH_KUBE_VOLUMES). */
  contextDir(request: Pick<ImageBuildRequest, 'logPath'>): string {
    return join(dirname(request.logPath), `${basename(request.logPath, '.log')}.context`);
  }

  /** The builder Job of a build (pure: what `build` creates, and `berth env build --dry-run` prints). */
  builderJob(request: Pick<ImageBuildRequest, 'tag' | 'labels' | 'logPath'>): V1Job {
    return builderJob({ settings: this.#settings, build: this.#build, image: request.tag, contextDir: this.contextDir(request), imageLabels: request.labels, installation: this.#installation });
  }

  async build(request: ImageBuildRequest): Promise<void> {
    const contextDir = this.contextDir(request);
    // Built first: it refuses a context folder the cluster cannot see before anything is written.
    const job = this.builderJob(request);
    mkdirSync(contextDir, { recursive: true });
    let result: BuildJobResult;
    try {
      await pipeline(packContext(request), createGzip(), createWriteStream(join(contextDir, CONTEXT_FILE)));
      result = await this.#jobs.runBuildJob(job, { logPath: request.logPath, onLine: request.onProgress });
    } finally {
      rmSync(contextDir, { recursive: true, force: true });
    }
    const failure = result.stuck
      ? `the builder pod cannot start (${result.stuck}); its image is ${this.#build.builderImage} (BERTH_KUBE_BUILDER_IMAGE)`
      : result.exit.code !== 0
        ? `the builder exited with ${result.exit.code ?? result.exit.reason ?? 'no code'}${result.node ? ` on node ${result.node}` : ''}`
        : null;
    if (failure !== null) {
      const tail = readFileSync(request.logPath, 'utf8').trimEnd().split('\n').slice(-LOG_TAIL_LINES).join('\n');
      throw new BerthError('BERTH_E_ENV_BUILD', `building image ${request.tag} failed: ${failure}\n--- last lines of ${request.logPath} ---\n${tail}`, {
        problems: [{ path: 'setup_script.sh', message: failure, fix: `read the build log ${request.logPath}, fix the environment (or the registry settings BERTH_KUBE_REGISTRY*) and build again` }],
        details: { image: request.tag, log: request.logPath },
      });
    }
    mkdirSync(this.#recordDir, { recursive: true });
    const record: PushedImage = { image: request.tag, digest: /^sha256:[0-9a-f]{64}$/.test(result.message) ? result.message : '', builtOn: result.node, at: new Date().toISOString() };
    writeFileSync(this.#record(request.tag), `${JSON.stringify(record)}\n`);
  }

  #record(tag: string): string {
    return join(this.#recordDir, `${createHash('sha256').update(tag).digest('hex').slice(0, 32)}.json`);
  }
}
