import { BerthError } from '../../errors.ts';

/** The Engine API's HTTP status of a failed call (docker-modem puts it on the error), if any. */
export function statusCodeOf(e: unknown): number | undefined {
  const code = (e as { statusCode?: unknown } | null)?.statusCode;
  return typeof code === 'number' ? code : undefined;
}

export function isNotFound(e: unknown): boolean {
  return statusCodeOf(e) === 404;
}

/** Connection-level failures: the engine is not there (as opposed to an API error it answered with). */
export function isUnreachable(e: unknown): boolean {
  const code = (e as NodeJS.ErrnoException | null)?.code;
  return code === 'ENOENT' || code === 'ECONNREFUSED' || code === 'EACCES' || code === 'ECONNRESET' || code === 'EHOSTUNREACH' || code === 'ETIMEDOUT' || code === 'ENOTFOUND';
}

export function unreachable(address: string, e: unknown): BerthError {
  const detail = e instanceof Error ? e.message : String(e);
  return new BerthError('BERTH_E_DOCKER_UNREACHABLE', `cannot reach the Docker engine at ${address}: ${detail}`, {
    cause: e,
    problems: [{ path: 'DOCKER_HOST', message: `no Docker Engine API answers at ${address}`, fix: 'start Docker (or Podman\'s socket), or point DOCKER_HOST at a running engine' }],
    details: { address },
  });
}

export function imageNotFound(image: string, e?: unknown): BerthError {
  return new BerthError('BERTH_E_IMAGE_NOT_FOUND', `image "${image}" is not on the Docker engine`, {
    cause: e,
    problems: [{ path: 'image', message: `no image "${image}"`, fix: `docker pull ${image}, or build the environment first (berth env build)` }],
    details: { image },
  });
}
