import { useCallback, useEffect, useState } from 'react';
import { api, errorText, type Ok } from '../api/client.ts';
import type { Pipeline } from '../editor/pipeline-graph.ts';
import { LogPanel } from '../runs/LogPanel.tsx';
import { sessionServiceUrl } from '../services/service-link.ts';
import { jupyterHomeUrl } from './jupyter-link.ts';

type SessionView = Ok<'/api/projects/{project}/pipelines/{pipeline}/session', 'get'>;


/**
 * The pipeline's interactive session: start/stop, each service's state, links through the
 * authenticated proxy for the exposed ones (new tab, noopener), and service logs.
 */
export function SessionPanel({ project, path, pipeline }: { project: string; path: string; pipeline: Pipeline }) {
  const [session, setSession] = useState<SessionView | null | undefined>(undefined);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState('');
  const [logsOf, setLogsOf] = useState<string | null>(null);
  const params = { path: { project, pipeline: path } };
  // The project's session list (no 404 for a pipeline without one), filtered to this pipeline's.
  const load = useCallback(async () => {
    const r = await api.GET('/api/projects/{project}/sessions', { params: { path: { project } } });
    setSession(r.data?.sessions.find((s) => s.pipeline_uuid === pipeline.uuid) ?? null);
  }, [project, pipeline.uuid]);
  useEffect(() => void load(), [load]);
  const act = async (start: boolean) => {
    setBusy(true);
    setError('');
    const r = start
      ? await api.POST('/api/projects/{project}/pipelines/{pipeline}/session', { params, body: {} })
      : await api.DELETE('/api/projects/{project}/pipelines/{pipeline}/session', { params });
    if (r.error) setError(`${start ? 'Session not started' : 'Session not stopped'}: ${errorText(r.error)}`);
    await load();
    setBusy(false);
  };
  const definitions = pipeline.services ?? {};
  const active = session && (session.status === 'RUNNING' || session.status === 'STARTING');
  return (
    <section className="session-panel" aria-label="session">
      <h2>Session</h2>
      <p>
        Status: <span className={`status status-${(session?.status ?? 'none').toLowerCase()}`} data-testid="session-status">{session === undefined ? '…' : (session?.status ?? 'NONE')}</span>
        {session?.reason && <span className="muted"> {session.reason}</span>}
      </p>
      {Object.keys(definitions).length === 0 && <p className="muted">This pipeline declares no services: a session runs its Jupyter server (add services under Services, select no step).</p>}
      <div className="session-actions">
        <button type="button" onClick={() => void act(true)} disabled={busy || !!active}>Start session</button>
        <button type="button" onClick={() => void act(false)} disabled={busy || !active}>Stop session</button>
        <button type="button" onClick={() => void load()} disabled={busy}>Refresh</button>
      </div>
      {error && <p role="alert" className="error">{error}</p>}
      {session?.status === 'RUNNING' && session.jupyter && (
        <p>
          <a href={jupyterHomeUrl(session.jupyter)} target="_blank" rel="noopener noreferrer" className="service-link">Open Jupyter</a>
          <span className={`status status-${session.jupyter.state}`}>{session.jupyter.state}</span>
          {session.jupyter.app !== 'jupyterlab' && <span className="muted"> Jupyter Server only (JupyterLab is not installed on the server): its REST API and read-only notebook views.</span>}
        </p>
      )}
      {session && session.services.length > 0 && (
        <ul className="session-services">
          {session.services.map((s) => {
            const def = definitions[s.name];
            const links = def?.exposed === true && session.status === 'RUNNING' ? def.ports : [];
            return (
              <li key={s.name}>
                <strong>{s.name}</strong> <span className={`status status-${s.state}`}>{s.state}</span>
                {s.restarts > 0 && <span className="muted"> ({s.restarts} restarts)</span>}
                {links.map((port) => (
                  <a key={port} href={sessionServiceUrl(project, s.name, session.uuid, port)} target="_blank" rel="noopener noreferrer" className="service-link">{s.name} :{port}</a>
                ))}
                <button type="button" onClick={() => setLogsOf(s.name)}>Logs of {s.name}</button>
              </li>
            );
          })}
        </ul>
      )}
      {logsOf && (
        <LogPanel key={logsOf} title={`Session service ${logsOf}`} url={`/api/projects/${encodeURIComponent(project)}/pipelines/${encodeURIComponent(path)}/session/services/${encodeURIComponent(logsOf)}/logs?follow=1`} onClose={() => setLogsOf(null)} />
      )}
    </section>
  );
}
