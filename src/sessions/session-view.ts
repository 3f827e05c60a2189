import type { ServiceDefinition } from '../core/pipeline-types.ts';
import { JUPYTER_SERVICE, jupyterProxyPath, serviceHostname, sessionNetworkName } from '../core/session-naming.ts';
import type { SessionRow, SessionServiceRow } from '../store/session-repository.ts';

export interface SessionServiceView {
  name: string;
  /** running, or exited / missing (its workload ended or is gone). */
  state: 'running' | 'exited' | 'missing';
  image: string;
  /** How steps of runs in the session reach it. */
  hostname: string;
  /** Declared port → where the host reaches it ("127.0.0.1:<port>"). */
  ports: Record<string, string>;
  restarts: number;
  log_path: string;
}

/** What `berth session status --json` prints. */
export interface SessionView {
  uuid: string;
  project_uuid: string;
  pipeline_uuid: string;
  pipeline_file: string;
  runtime: string;
  /** STARTING | RUNNING | STOPPING | STOPPED | FAILED */
  status: string;
  reason: string | null;
  /** The session network (container runtimes), or null when services share the host's loopback. */
  network: string | null;
  services: SessionServiceView[];
  /**
   * The session's Jupyter server, reached only through Berth: `url` is the path on this server under
   * which Jupyter's REST API (`api/kernelspecs`, `api/kernels`, `api/contents`) and its websockets
   * answer to Berth's credentials (Bearer, `?berth_token=`). Null when the session has none (see the
   * start's output for why).
   */
  jupyter: { url: string; state: SessionServiceView['state']; log_path: string; app: JupyterApp } | null;
  created_at: string;
  updated_at: string;
}

/**
 * Which Jupyter the session runs: JupyterLab (a notebook opens at `lab/tree/<file>`) or Jupyter
 * Server alone (no notebook UI: its REST API, `view/` and `nbconvert/html/<file>`, a read-only rendering).
 */
export type JupyterApp = 'jupyterlab' | 'jupyter_server';

export function sessionView(row: SessionRow, services: Array<{ row: SessionServiceRow; state: SessionServiceView['state']; ports: Record<string, string> }>, isolated: boolean): SessionView {
  const jupyter = services.find((s) => s.row.name === JUPYTER_SERVICE);
  const jupyterPort = jupyter ? (JSON.parse(jupyter.row.definition_json) as ServiceDefinition).ports[0] : undefined;
  return {
    uuid: row.uuid,
    project_uuid: row.project_uuid,
    pipeline_uuid: row.pipeline_uuid,
    pipeline_file: row.pipeline_file,
    runtime: row.runtime,
    status: row.status,
    reason: row.reason,
    network: isolated ? sessionNetworkName(row.uuid) : null,
    services: services.filter((s) => s !== jupyter).map(({ row: s, state, ports }) => ({
      name: s.name,
      state,
      image: (JSON.parse(s.definition_json) as ServiceDefinition).image,
      hostname: isolated ? serviceHostname(s.name, row.uuid) : '127.0.0.1',
      ports,
      restarts: s.restarts,
      log_path: s.log_path,
    })),
    jupyter: jupyter && jupyterPort !== undefined
      ? {
          url: jupyterProxyPath(row.project_uuid, row.uuid, jupyterPort),
          state: jupyter.state,
          log_path: jupyter.row.log_path,
          app: (JSON.parse(jupyter.row.definition_json) as ServiceDefinition).image === 'host:jupyterlab' ? 'jupyterlab' : 'jupyter_server',
        }
      : null,
    created_at: row.created_at,
    updated_at: row.updated_at,
  };
}
