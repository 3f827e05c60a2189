import { useEffect, useState } from 'react';
import { api, errorText, type Ok } from '../api/client.ts';
import { JobsTab } from '../jobs/JobsTab.tsx';
import { RunHistory } from '../runs/RunHistory.tsx';
import { href } from '../use-hash-route.ts';
import { ServicesList } from './ServicesList.tsx';

type Pipeline = Ok<'/api/projects/{project}/pipelines', 'get'>['pipelines'][number];
const TABS = ['pipelines', 'runs', 'jobs', 'services'] as const;

/** One project: its pipelines, run history, jobs and services, as tabs (links, so the keyboard and history work). */
export function ProjectPage({ project, tab }: { project: string; tab: string }) {
  return (
    <section className="page">
      <h1>{project}</h1>
      <nav className="tabs" aria-label="project sections">
        {TABS.map((t) => (
          <a key={t} href={href('projects', project, t)} aria-current={t === tab ? 'page' : undefined}>{t[0]!.toUpperCase() + t.slice(1)}</a>
        ))}
      </nav>
      {tab === 'runs' ? <RunHistory project={project} /> : tab === 'services' ? <ServicesList project={project} /> : tab === 'jobs' ? <JobsTab project={project} /> : <PipelineList project={project} />}
    </section>
  );
}

function PipelineList({ project }: { project: string }) {
  const [pipelines, setPipelines] = useState<Pipeline[] | null>(null);
  const [error, setError] = useState('');
  useEffect(() => {
    void api.GET('/api/projects/{project}/pipelines', { params: { path: { project } } }).then((r) => (r.data ? setPipelines(r.data.pipelines) : setError(errorText(r.error))));
  }, [project]);
  if (error) return <p role="alert" className="error">{error}</p>;
  if (!pipelines) return <p className="loading">Loading…</p>;
  if (pipelines.length === 0) return <p>No .orchest files in this project.</p>;
  return (
    <table>
      <thead><tr><th scope="col">Pipeline</th><th scope="col">File</th><th scope="col">Valid</th></tr></thead>
      <tbody>
        {pipelines.map((p) => (
          <tr key={p.path}>
            <td><a href={href('projects', project, 'pipelines', ...p.path.split('/'))}>{p.name ?? p.path}</a></td>
            <td><code>{p.path}</code></td>
            <td>{p.valid ? 'yes' : `${p.problems} problem${p.problems === 1 ? '' : 's'}`}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
