import { useEffect, useState, type FormEvent } from 'react';
import { api, errorText, type Ok } from '../api/client.ts';
import { EnvironmentsPage } from '../environments/EnvironmentsPage.tsx';
import { JobsTab } from '../jobs/JobsTab.tsx';
import { duration } from '../runs/duration.ts';
import { RunHistory } from '../runs/RunHistory.tsx';
import { href } from '../use-hash-route.ts';
import { ServicesList } from './ServicesList.tsx';

type Pipeline = Ok<'/api/projects/{project}/pipelines', 'get'>['pipelines'][number];
type Run = Ok<'/api/projects/{project}/runs', 'get'>['runs'][number];
const TABS = ['pipelines', 'runs', 'jobs', 'services', 'environments'] as const;

/** One project: its pipelines, runs, jobs, services and environments, as tabs (links, so the keyboard and history work). */
export function ProjectPage({ project, tab, item }: { project: string; tab: string; item: string }) {
  return (
    <section className="page">
      <h1>{project}</h1>
      <nav className="tabs page-tabs" aria-label="project sections">
        {TABS.map((t) => (
          <a key={t} href={href('projects', project, t)} aria-current={t === tab ? 'page' : undefined}>{t[0]!.toUpperCase() + t.slice(1)}</a>
        ))}
      </nav>
      {tab === 'runs' ? <RunHistory project={project} />
        : tab === 'services' ? <ServicesList project={project} />
        : tab === 'jobs' ? <JobsTab project={project} open={item || null} />
        : tab === 'environments' ? <EnvironmentsPage project={project} />
        : <PipelineList project={project} />}
    </section>
  );
}

function PipelineList({ project }: { project: string }) {
  const [pipelines, setPipelines] = useState<Pipeline[] | null>(null);
  const [runs, setRuns] = useState<Run[]>([]);
  const [error, setError] = useState('');
  useEffect(() => {
    void api.GET('/api/projects/{project}/pipelines', { params: { path: { project } } }).then((r) => (r.data ? setPipelines(r.data.pipelines) : setError(errorText(r.error))));
    void api.GET('/api/projects/{project}/runs', { params: { path: { project }, query: { limit: 200 } } }).then((r) => setRuns(r.data?.runs ?? []));
  }, [project]);
  if (error) return <p role="alert" className="error">{error}</p>;
  if (!pipelines) return <p className="loading">Loading…</p>;
  const last = (uuid: string | null) => runs.find((r) => r.pipeline.uuid === uuid);
  return (
    <>
      {pipelines.length === 0 ? (
        <div className="empty">
          <p><strong>No pipelines in this project yet.</strong></p>
          <p>Create one below, or put an Orchest <code>.orchest</code> file in the project's folder (<code>berth init</code> writes a starter pipeline).</p>
        </div>
      ) : (
        <table aria-label="pipelines">
          <thead><tr><th scope="col">Pipeline</th><th scope="col">File</th><th scope="col">Checks</th><th scope="col">Last run</th></tr></thead>
          <tbody>
            {pipelines.map((p) => {
              const r = last(p.uuid);
              return (
                <tr key={p.path}>
                  <td><a href={href('projects', project, 'pipelines', ...p.path.split('/'))}>{p.name ?? p.path}</a></td>
                  <td><code>{p.path}</code></td>
                  <td>{p.valid ? <span className="status status-success">valid</span> : <span className="status status-failure">{`${p.problems} problem${p.problems === 1 ? '' : 's'}`}</span>}</td>
                  <td>{r ? <a href={href('projects', project, 'runs', r.uuid)} className={`status status-${r.status.toLowerCase()}`}>{r.status} · {duration(r.started_at, r.finished_at)}</a> : <span className="muted">never run</span>}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
      <NewPipeline project={project} taken={pipelines.map((p) => p.path)} />
    </>
  );
}

/** Creates an empty pipeline file (then opens it in the editor to add steps). */
function NewPipeline({ project, taken }: { project: string; taken: string[] }) {
  const [file, setFile] = useState('');
  const [error, setError] = useState('');
  const create = async (e: FormEvent) => {
    e.preventDefault();
    const path = file.endsWith('.orchest') ? file : `${file}.orchest`;
    const name = path.replace(/^.*\//, '').replace(/\.orchest$/, '');
    const body = { name, uuid: crypto.randomUUID(), version: '1.2.3', settings: {}, parameters: {}, steps: {} };
    if (taken.includes(path)) return setError(`${path} exists already: choose another name`);
    const r = await api.PUT('/api/projects/{project}/pipelines/{pipeline}', { params: { path: { project, pipeline: path } }, body: body as unknown as Record<string, never> });
    if (r.error) return setError(`Not created: ${errorText(r.error)}`);
    window.location.hash = href('projects', project, 'pipelines', ...path.split('/'));
  };
  return (
    <form className="inline-form card" onSubmit={(e) => void create(e)} aria-labelledby="new-pipeline">
      <h2 id="new-pipeline">New pipeline</h2>
      <label>File name <input required value={file} placeholder="main.orchest" onChange={(e) => setFile(e.target.value)} /></label>
      <button type="submit" className="primary">Create pipeline</button>
      {error && <p role="alert" className="error">{error}</p>}
    </form>
  );
}
