import { createReadStream, lstatSync, mkdirSync, readFileSync, readlinkSync } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { join } from 'node:path';
import { appendFile, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type Docker from 'dockerode';
import tar from 'tar-stream';
import { BerthError } from '../../errors.ts';
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

/** The context as a tar stream: the Dockerfile, the in-memory files, then the folder's files (streamed, one at a time). */
function packContext(request: ImageBuildRequest): tar.Pack {
  const pack = tar.pack();
  pack.entry({ name: 'Dockerfile' }, request.dockerfile);
  for (const [name, content] of Object.entries(request.files)) pack.entry({ name, mode: 0o755 }, content);
  const folder = request.folder;
  if (!folder) {
    pack.finalize();
    return pack;
  }
  void (async () => {
    pack.entry({ name: `${folder.prefix}/`, type: 'directory', mode: 0o755 });
    for (const rel of folder.files) {
      const abs = join(folder.root, rel);
      const stat = lstatSync(abs, { throwIfNoEntry: false });
      if (!stat) continue; // removed meanwhile
      const name = `${folder.prefix}/${rel}`;
      if (stat.isSymbolicLink()) {
        pack.entry({ name, type: 'symlink', linkname: readlinkSync(abs) });
        continue;
      }
      const entry = pack.entry({ name, size: stat.size, mode: stat.mode & 0o7777, mtime: stat.mtime });
      await pipeline(createReadStream(abs, { end: Math.max(0, stat.size - 1), start: 0 }), entry);
    }
    pack.finalize();
  })().catch((e: unknown) => pack.destroy(e instanceof Error ? e : new Error(String(e))));
  return pack;
}
