/**
 * Names a session's services go by (pure). Orchest's: a service is reached inside the session at
 * `<name>-<session uuid>` and behind the ingress at `service-<name>-<session uuid>_<port>`
 * (`pbp-service-…` when the base path is preserved); `$BASE_PATH_PREFIX` stands for that prefix.
 */
export function serviceHostname(name: string, sessionUuid: string): string {
  return `${name}-${sessionUuid}`;
}

/** The path prefix of a session service's port, without a leading slash. */
export function sessionServicePrefix(name: string, sessionUuid: string, port: number, preserveBasePath: boolean): string {
  return `${preserveBasePath ? 'pbp-' : ''}service-${name}-${sessionUuid}_${port}`;
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
