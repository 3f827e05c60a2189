import { useCallback, useState } from 'react';
import { api, errorText, type Ok } from '../api/client.ts';
import { duration } from '../runs/duration.ts';
import { LogPanel } from '../runs/LogPanel.tsx';
import { ShellPanel } from './ShellPanel.tsx';
import { href } from '../use-hash-route.ts';
import { usePolling } from '../use-polling.ts';

type Environment = Ok<'/api/projects/{project}/environments', 'get'>['environments'][number];
const LIVE = ['PENDING', 'STARTED'];

/** The project's environments: image, language, build status (build from here), the streamed build log, the pipelines that use each, and a shell in each. */
export function EnvironmentsPage({ project }: { project: string }) {
  const [envs, setEnvs] = useState<Environment[] | null>(null);
  const [error, setError] = useState('');
  const [logOf, setLogOf] = useState<string | null>(null);
  const [logKey, setLogKey] = useState(0);
  const [shellOf, setShellOf] = useState<Environment | null>(null);
  const [shellKey, setShellKey] = useState(0);
  const load = useCallback(async () => {
    const r = await api.GET('/api/projects/{project}/environments', { params: { path: { project } } });
    if (r.data) setEnvs(r.data.environments);
    else setError(errorText(r.error));
  }, [project]);
  usePolling(load, 2000);
  const build = async (e: Environment) => {
    setError('');
    const r = await api.POST('/api/projects/{project}/environments/{environment}/build', { params: { path: { project, environment: e.uuid } } });
    if (r.error) return setError(`${e.name} not built: ${errorText(r.error)}`);
    await load();
    setLogOf(e.uuid);
    setLogKey((k) => k + 1);
  };
  if (!envs) return error ? <p role="alert" className="error">{error}</p> : <p className="loading">Loading…</p>;
  const shown = envs.find((e) => e.uuid === logOf);
  return (
    <>
      {error && <p role="alert" className="error">{error}</p>}
      {envs.length === 0 ? (
        <div className="empty">
          <p><strong>No environments in this project.</strong></p>
          <p>Steps run on the host (process runtime) or in an environment's image (Docker). An environment is a folder <code>.orchest/environments/&lt;uuid&gt;/</code> with a <code>properties.json</code> (name, base_image) and an optional <code>setup_script.sh</code>, as in Orchest.</p>
        </div>
      ) : (
        <table aria-label="environments">
          <thead><tr><th scope="col">Environment</th><th scope="col">Base image</th><th scope="col">Build</th><th scope="col">Used by</th><th scope="col"><span className="sr-only">Actions</span></th></tr></thead>
          <tbody>
            {envs.map((e) => (
              <tr key={e.uuid}>
                <td><strong>{e.name}</strong><div className="muted small">{e.language}{e.gpu_support ? ' · GPU' : ''} · <code>{e.uuid.slice(0, 8)}</code></div>{e.problem && <p className="error small">{e.problem}</p>}</td>
                <td><code>{e.base_image || '—'}</code>{e.has_setup_script ? <div className="muted small">+ setup script</div> : null}</td>
                <td data-testid="build-status">
                  {e.build ? <><span className={`status status-${e.build.status.toLowerCase()}`}>{e.build.status}</span> <span className="muted small">{duration(e.build.started_at, e.build.finished_at)}</span>{e.build.reason && <div className="error small">{e.build.reason}</div>}</> : <span className="muted">not built yet</span>}
                </td>
                <td>{e.pipelines.length === 0 ? <span className="muted">no pipeline</span> : (
                  <ul className="plain">{e.pipelines.map((p) => <li key={p.path}><a href={href('projects', project, 'pipelines', ...p.path.split('/'))}>{p.name ?? p.path}</a> <span className="muted small">({p.steps} step{p.steps === 1 ? '' : 's'})</span></li>)}</ul>
                )}</td>
                <td className="actions">
                  <button type="button" onClick={() => void build(e)} disabled={!!e.build && LIVE.includes(e.build.status)} aria-label={`Build ${e.name}`}>Build</button>
                  {e.build && <button type="button" onClick={() => (setLogOf(e.uuid), setLogKey((k) => k + 1))} aria-label={`Build log of ${e.name}`}>Log</button>}
                  <button type="button" onClick={() => (setShellOf(e), setShellKey((k) => k + 1))} disabled={!!e.problem} aria-label={`Open shell in ${e.name}`}>Open shell</button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {shellOf && <ShellPanel key={`${shellOf.uuid}/${shellKey}`} project={project} environment={shellOf.uuid} name={shellOf.name} onClose={() => setShellOf(null)} />}
      {shown?.build && (
        <LogPanel key={`${shown.uuid}/${shown.build.uuid}/${logKey}`} title={`Build of ${shown.name}`} url={`/api/projects/${encodeURIComponent(project)}/environments/${encodeURIComponent(shown.uuid)}/build/logs?follow=1`} onClose={() => setLogOf(null)} />
      )}
    </>
  );
}
