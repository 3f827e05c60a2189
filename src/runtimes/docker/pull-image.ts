import type Docker from 'dockerode';
import { BerthError } from '../../errors.ts';
import { isUnreachable, unreachable } from './docker-errors.ts';

interface PullEvent {
  status?: string;
  id?: string;
  progress?: string;
  error?: string;
}

/**
 * Pulls `image` through the engine, reporting each layer's status as it changes (not every byte).
 * A reference without a tag or digest means `:latest` (the API would otherwise pull every tag).
 * Failure (offline, no such image, no access) is BERTH_E_IMAGE_NOT_FOUND saying which image and how
 * to provide it without a registry.
 */
export async function pullImage(docker: Docker, address: string, image: string, onProgress?: (line: string) => void): Promise<void> {
  const ref = withTag(image);
  onProgress?.(`pulling ${ref}`);
  const seen = new Map<string, string>();
  try {
    const stream = (await docker.pull(ref)) as NodeJS.ReadableStream;
    await new Promise<void>((resolve, reject) => {
      docker.modem.followProgress(
        stream,
        (err: Error | null) => (err ? reject(err) : resolve()),
        (event: PullEvent) => {
          if (event.error) return;
          const line = `${event.id ? `${event.id}: ` : ''}${event.status ?? ''}`;
          if (!event.status || seen.get(event.id ?? '') === event.status) return;
          seen.set(event.id ?? '', event.status);
          onProgress?.(line);
        },
      );
    });
  } catch (e) {
    if (isUnreachable(e)) throw unreachable(address, e);
    const reason = ((e as { json?: { message?: string } }).json?.message ?? (e instanceof Error ? e.message : String(e))).trim();
    const how = `on a connected machine \`docker pull ${ref} && docker save ${ref} -o image.tar\`, here \`docker load -i image.tar\`; or build a local image under that name; for Orchest's base images point BERTH_ORCHEST_IMAGES at a local image`;
    throw new BerthError('BERTH_E_IMAGE_NOT_FOUND', `image "${ref}" is not on the Docker engine and could not be pulled: ${reason}. Provide it without a registry: ${how}`, {
      cause: e,
      problems: [
        {
          path: 'image',
          message: `cannot pull "${ref}"`,
          fix: `provide it without a registry: ${how}`,
        },
      ],
      details: { image: ref },
    });
  }
}

/** `name` → `name:latest`; a reference with a tag or digest stays as it is. */
export function withTag(image: string): string {
  if (image.includes('@')) return image;
  const lastSegment = image.slice(image.lastIndexOf('/') + 1);
  return lastSegment.includes(':') ? image : `${image}:latest`;
}
