/**
 * Names a session's services go by (pure). Orchest's: a service is reached inside the session at
 * `<name>-<session uuid>`; Berth's proxy exposes it as the project service of that name.
 */
export function serviceHostname(name: string, sessionUuid: string): string {
  return `${name}-${sessionUuid}`;
}

/**
 * What `$BASE_PATH_PREFIX_<port>` becomes for a session service: the path under which Berth's proxy
 * exposes it (`api/projects/<project>/services/<name>-<session uuid>/<port>`), without a leading
 * slash like Orchest's (whose ingress path was `[pbp-]service-<name>-<session uuid>_<port>`).
 */
export function sessionServicePrefix(projectName: string, name: string, sessionUuid: string, port: number): string {
  return `api/projects/${encodeURIComponent(projectName)}/services/${name}-${sessionUuid}/${port}`;
}

/** The network a session's services and the steps of runs inside it share (container runtimes). */
export function sessionNetworkName(sessionUuid: string): string {
  return `berth-session-${sessionUuid}`;
}

/** A session service's workload id: stable, so a second start adopts the running one. */
export function sessionServiceWorkloadId(sessionUuid: string, name: string): string {
  return `session-${sessionUuid}-${name}`;
}

/** A named volume, per project, so it survives session restarts and is shared by the project's pipelines. */
export function sessionVolumeName(projectUuid: string, volume: string): string {
  return `berth-${projectUuid.slice(0, 8)}-${volume}`;
}

/**
 * The session's Jupyter server, as a session service of Berth's own: reached through the proxy at
 * `/api/projects/<project>/services/berth-jupyter-<session uuid>/<port>/`. Reserved: no pipeline
 * service may take this name.
 */
export const JUPYTER_SERVICE = 'berth-jupyter';

/** Where Berth's proxy serves a session's Jupyter server (trailing slash; Jupyter's API is below it). */
export function jupyterProxyPath(projectUuid: string, sessionUuid: string, port: number): string {
  return `/api/projects/${projectUuid}/services/${serviceHostname(JUPYTER_SERVICE, sessionUuid)}/${port}/`;
}
