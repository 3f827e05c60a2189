import { mkdirSync, readFileSync } from 'node:fs';
import { appendFile, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type Docker from 'dockerode';
import { BerthError } from '../../errors.ts';
import { packContext } from '../build-context.ts';
import type { ImageBuildRequest, ImageBuilder } from '../image-builder.ts';
import { isNotFound, isUnreachable, unreachable } from './docker-errors.ts';
import { pullImage } from './pull-image.ts';

interface BuildEvent {
  stream?: string;
  status?: string;
  id?: string;
  error?: string;
}

const LOG_TAIL_LINES = 20;

/** Builds images through the Engine API's build endpoint, with the context packed in memory. */
export class DockerImageBuilder implements ImageBuilder {
  readonly #docker: Docker;
  readonly #address: string;

  constructor(docker: Docker, address: string) {
    this.#docker = docker;
    this.#address = address;
  }

  async hasImage(tag: string): Promise<boolean> {
    return (await this.imageId(tag)) !== null;
  }

  async imageId(name: string): Promise<string | null> {
    try {
      return (await this.#docker.getImage(name).inspect()).Id;
    } catch (e) {
      if (isNotFound(e)) return null;
      if (isUnreachable(e)) throw unreachable(this.#address, e);
      throw e;
    }
  }

  async tag(image: string, as: string): Promise<void> {
    const colon = as.lastIndexOf(':');
    await this.#docker.getImage(image).tag({ repo: as.slice(0, colon), tag: as.slice(colon + 1) });
  }

  async pull(image: string, onProgress?: (line: string) => void): Promise<void> {
    await pullImage(this.#docker, this.#address, image, onProgress);
  }

  async build(request: ImageBuildRequest): Promise<void> {
    mkdirSync(dirname(request.logPath), { recursive: true });
    await writeFile(request.logPath, '');
    let failure: string | null = null;
    let pending = Promise.resolve();
    const record = (text: string): void => {
      pending = pending.then(() => appendFile(request.logPath, text));
      for (const line of text.split('\n')) if (line.trim()) request.onProgress?.(line);
    };
    try {
      const stream = await this.#docker.buildImage(packContext(request) as unknown as NodeJS.ReadableStream, {
        t: request.tag,
        labels: request.labels,
        rm: true,
        forcerm: true,
      });
      await new Promise<void>((resolve, reject) => {
        this.#docker.modem.followProgress(
          stream,
          (err: Error | null) => (err ? reject(err) : resolve()),
          (event: BuildEvent) => {
            if (event.stream) record(event.stream);
            else if (event.status) record(`${event.id ? `${event.id}: ` : ''}${event.status}\n`);
            if (event.error) {
              failure = describeFailure(event.error);
              record(`ERROR: ${event.error}\n`);
            }
          },
        );
      });
    } catch (e) {
      if (isUnreachable(e)) throw unreachable(this.#address, e);
      failure ??= e instanceof Error ? e.message : String(e);
      record(`ERROR: ${failure}\n`);
    }
    await pending;
    if (failure !== null) {
      const tail = readFileSync(request.logPath, 'utf8').trimEnd().split('\n').slice(-LOG_TAIL_LINES).join('\n');
      throw new BerthError('BERTH_E_ENV_BUILD', `building image ${request.tag} failed: ${failure}\n--- last lines of ${request.logPath} ---\n${tail}`, {
        problems: [{ path: 'setup_script.sh', message: failure, fix: `read the build log ${request.logPath}, fix the environment and build again` }],
        details: { image: request.tag, log: request.logPath },
      });
    }
  }
}

/** The classic builder says "The command '/bin/sh -c …' returned a non-zero code: N"; name the step instead. */
function describeFailure(error: string): string {
  const code = /returned a non-zero code: (\d+)/.exec(error)?.[1];
  return code === undefined ? error : `the setup script failed with exit code ${code}`;
}
