import { useEffect, useState } from 'react';
import { api, errorText, type Ok, type RunReport } from '../api/client.ts';
import { duration } from './duration.ts';
import { LogPanel } from './LogPanel.tsx';
import { stepLogUrl } from './step-log-url.ts';

type Run = Ok<'/api/projects/{project}/runs', 'get'>['runs'][number];
const STATUSES = ['PENDING', 'STARTED', 'SUCCESS', 'FAILURE', 'ABORTED'] as const;
type StatusFilter = (typeof STATUSES)[number] | '';

/** The project's runs, newest first, filtered by status (server side) and pipeline (client side). */
export function RunHistory({ project }: { project: string }) {
  const [runs, setRuns] = useState<Run[] | null>(null);
  const [status, setStatus] = useState<StatusFilter>('');
  const [pipeline, setPipeline] = useState('');
  const [error, setError] = useState('');
  const [open, setOpen] = useState<string | null>(null);
  useEffect(() => {
    const query = { limit: 200, ...(status ? { status } : {}) };
    void api.GET('/api/projects/{project}/runs', { params: { path: { project }, query } }).then((r) => (r.data ? setRuns(r.data.runs) : setError(errorText(r.error))));
  }, [project, status]);
  const shown = (runs ?? []).filter((r) => !pipeline || r.pipeline.name.includes(pipeline) || r.pipeline.path.includes(pipeline));
  return (
    <>
      <div className="filters" role="search">
        <label>Status <select value={status} onChange={(e) => setStatus(e.target.value as StatusFilter)}>
          <option value="">any</option>
          {STATUSES.map((s) => <option key={s} value={s}>{s}</option>)}
        </select></label>
        <label>Pipeline <input value={pipeline} onChange={(e) => setPipeline(e.target.value)} placeholder="name or file" /></label>
      </div>
      {error && <p role="alert" className="error">{error}</p>}
      {runs && (shown.length === 0 ? <p>No runs match.</p> : (
        <table>
          <thead><tr><th scope="col">Run</th><th scope="col">Pipeline</th><th scope="col">Status</th><th scope="col">Type</th><th scope="col">Started</th><th scope="col">Duration</th></tr></thead>
          <tbody>
            {shown.map((r) => (
              <tr key={r.uuid} aria-selected={open === r.uuid}>
                <td><button type="button" className="link" onClick={() => setOpen(r.uuid)}>{r.uuid.slice(0, 8)}</button></td>
                <td>{r.pipeline.name}</td>
                <td><span className={`status status-${r.status.toLowerCase()}`}>{r.status}</span></td>
                <td>{r.run_type}</td>
                <td>{r.started_at ? new Date(r.started_at).toLocaleString() : ''}</td>
                <td>{duration(r.started_at, r.finished_at)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ))}
      {open && <RunDetail key={open} run={open} />}
    </>
  );
}

function RunDetail({ run }: { run: string }) {
  const [report, setReport] = useState<RunReport | null>(null);
  const [log, setLog] = useState<{ uuid: string; title: string } | null>(null);
  useEffect(() => {
    void api.GET('/api/runs/{run}', { params: { path: { run } } }).then((r) => setReport(r.data ?? null));
  }, [run]);
  if (!report) return null;
  return (
    <section className="run-detail" aria-label={`Run ${run.slice(0, 8)}`}>
      <h2>Run {run.slice(0, 8)} · {report.run.status}</h2>
      {report.run.reason && <p>{report.run.reason}</p>}
      <ul className="step-list">
        {report.steps.map((s) => (
          <li key={s.uuid}>
            <span className={`status status-${s.status.toLowerCase()}`}>{s.status}</span> {s.title} <span className="muted">{duration(s.started_at, s.finished_at)}</span>
            <button type="button" onClick={() => setLog(s)}>Log of {s.title}</button>
          </li>
        ))}
      </ul>
      {log && <LogPanel key={log.uuid} title={log.title} url={stepLogUrl(run, log.uuid)} onClose={() => setLog(null)} />}
    </section>
  );
}
