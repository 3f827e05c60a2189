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

/** The engine could not publish a port on the host because something else holds it. */
export function portInUse(e: unknown, ports: number[]): BerthError | null {
  const message = (e as { json?: { message?: string } } | null)?.json?.message ?? (e instanceof Error ? e.message : String(e));
  if (!/port is already allocated|address already in use/i.test(message)) return null;
  const which = ports.join(', ');
  return new BerthError('BERTH_E_PORT_IN_USE', `cannot publish port ${which} on 127.0.0.1: it is already in use (${message})`, {
    cause: e,
    problems: [{ path: '--port', message: `127.0.0.1:${which} is taken`, fix: 'stop what listens there, or choose another port' }],
    details: { ports },
  });
}
