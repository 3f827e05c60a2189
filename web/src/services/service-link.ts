/**
 * Every link from the web UI to a service goes through the server's hand-off route: it answers with a
 * redirect to the service's own origin and a one-time ticket, so a service page never runs in the
 * UI's origin and never sees the user's token. Open such links with target="_blank" rel="noopener noreferrer".
 */
export function serviceOpenUrl(project: string, service: string, port: number | string): string {
  return `/api/projects/${encodeURIComponent(project)}/services/${encodeURIComponent(service)}/open?port=${encodeURIComponent(String(port))}`;
}

/** The hand-off link of an exposed session service's port (the server routes `<service>-<session uuid>`). */
export function sessionServiceUrl(project: string, service: string, session: string, port: number | string): string {
  return serviceOpenUrl(project, `${service}-${session}`, port);
}
