import type { Kysely } from 'kysely';
import type { ServiceDefinition } from '../core/pipeline-types.ts';
import { JUPYTER_SERVICE } from '../core/session-naming.ts';
import type { RuntimeDriver, WorkloadHandle } from '../runtimes/driver.ts';
import type { Project } from '../store/project-repository.ts';
import type { Database } from '../store/tables.ts';
import type { ServiceRoute } from './service-route.ts';
import { liveUpstream, upstreamOwner } from './service-upstream.ts';

const SESSION_UUID_LENGTH = 36;

/**
 * The proxy route of a session service, addressed as a project service named
 * `<service>-<session uuid>` (Orchest's internal hostname): an exact lookup of the session (of this
 * project, RUNNING), the service and its declared port. Only `exposed` services are reachable, as
 * only they had an ingress in Orchest. The session's Jupyter server (JUPYTER_SERVICE) is one, whose
 * token (kept in its definition, never shown) Berth sends upstream. Null otherwise.
 */
export async function sessionServiceRoute(
  db: Kysely<Database>,
  project: Project,
  hostname: string,
  port: number,
  driverNamed: (name: string) => Promise<Pick<RuntimeDriver, 'list'>>,
  /** This machine (config.hostId): a session service recorded on another host is reached through a server there. */
  thisHost: string,
): Promise<ServiceRoute | null> {
  const cut = hostname.length - SESSION_UUID_LENGTH - 1;
  if (cut < 1 || hostname[cut] !== '-') return null;
  const name = hostname.slice(0, cut);
  const sessionUuid = hostname.slice(cut + 1);
  const row = await db
    .selectFrom('session_services')
    .innerJoin('sessions', 'sessions.uuid', 'session_services.session_uuid')
    .select(['session_services.definition_json', 'session_services.handle_json', 'session_services.host', 'sessions.created_at'])
    .where('sessions.uuid', '=', sessionUuid)
    .where('sessions.project_uuid', '=', project.uuid)
    .where('sessions.status', '=', 'RUNNING')
    .where('session_services.name', '=', name)
    .executeTakeFirst();
  if (!row) return null;
  const definition = JSON.parse(row.definition_json) as ServiceDefinition;
  if (definition.exposed !== true || !definition.ports.includes(port)) return null;
  const handle = row.handle_json ? (JSON.parse(row.handle_json) as WorkloadHandle) : null;
  const instance = `session ${row.created_at}`;
  const route: ServiceRoute =
    row.host !== null && row.host !== thisHost
      ? { projectUuid: project.uuid, definition, upstream: null, instance, elsewhere: row.host }
      : { projectUuid: project.uuid, definition, upstream: await liveUpstream(driverNamed, handle, port), owner: upstreamOwner(handle, port), instance };
  const jupyterToken = name === JUPYTER_SERVICE ? definition.env_variables?.JUPYTER_TOKEN : undefined;
  return jupyterToken ? { ...route, upstreamAuthorization: `token ${jupyterToken}` } : route;
}
