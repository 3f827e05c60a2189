import { useCallback, useEffect, useState } from 'react';
import { api, errorText, type Schemas } from '../api/client.ts';
import { duration } from '../runs/duration.ts';
import { usePolling } from '../use-polling.ts';
import { JobForm } from './JobForm.tsx';

type Job = Schemas['Job'];
type JobRun = Schemas['JobRun'];
type Action = 'pause' | 'resume' | 'trigger' | 'cancel';
/** Statuses of a job that is scheduled and not paused. */
const LIVE = ['PENDING', 'STARTED'];
const POLL_MS = 1500;
const when = (t: string | null) => (t ? new Date(t).toLocaleString() : '');

/** The project's jobs: create, list with the next run time, pause/resume/trigger/cancel/delete, and each job's runs. */
export function JobsTab({ project }: { project: string }) {
  const [jobs, setJobs] = useState<Job[] | null>(null);
  const [error, setError] = useState('');
  const [open, setOpen] = useState<string | null>(null);
  const [generation, setGeneration] = useState(0);
  const load = useCallback(async () => {
    const r = await api.GET('/api/projects/{project}/jobs', { params: { path: { project } } });
    if (r.data) setJobs(r.data.jobs);
    else setError(errorText(r.error));
    setGeneration((g) => g + 1);
  }, [project]);
  useEffect(() => void load(), [load]);
  const act = async (job: Job, action: Action) => {
    const params = { path: { project, job: job.uuid } };
    const r = await api.POST(`/api/projects/{project}/jobs/{job}/${action}`, { params });
    setError(r.error ? `${action} ${job.name}: ${errorText(r.error)}` : '');
    await load();
  };
  const remove = async (job: Job) => {
    if (!window.confirm(`Delete job ${job.name} and its runs?`)) return;
    const r = await api.DELETE('/api/projects/{project}/jobs/{job}', { params: { path: { project, job: job.uuid } } });
    setError(r.error ? `delete ${job.name}: ${errorText(r.error)}` : '');
    if (open === job.uuid) setOpen(null);
    await load();
  };
  return (
    <>
      <JobForm project={project} onCreated={() => void load()} />
      <h2>Jobs</h2>
      <button type="button" onClick={() => void load()}>Refresh</button>
      {error && <p role="alert" className="error">{error}</p>}
      {jobs && (jobs.length === 0 ? <p>No jobs yet.</p> : (
        <table aria-label="jobs">
          <thead><tr><th scope="col">Job</th><th scope="col">Pipeline</th><th scope="col">Status</th><th scope="col">Schedule</th><th scope="col">Next run</th><th scope="col">Runs</th><th scope="col">Actions</th></tr></thead>
          <tbody>
            {jobs.map((j) => (
              <tr key={j.uuid} aria-selected={open === j.uuid}>
                <td><button type="button" className="link" onClick={() => setOpen(j.uuid)}>{j.name}</button></td>
                <td>{j.pipeline.name}</td>
                <td><span className={`status status-${j.status.toLowerCase()}`}>{j.status}</span></td>
                <td>{j.schedule ? <><code>{j.schedule}</code> <span className="muted">{j.timezone}</span></> : 'once'}</td>
                <td data-testid="next-run">{when(j.next_scheduled_time)}</td>
                <td>{j.total_scheduled_pipeline_runs}</td>
                <td className="session-actions">
                  {(j.status === 'PAUSED' || j.status === 'DRAFT') && <button type="button" onClick={() => void act(j, 'resume')}>Resume {j.name}</button>}
                  {j.schedule && LIVE.includes(j.status) && <button type="button" onClick={() => void act(j, 'pause')}>Pause {j.name}</button>}
                  {[...LIVE, 'PAUSED'].includes(j.status) && <button type="button" onClick={() => void act(j, 'trigger')}>Trigger {j.name}</button>}
                  {[...LIVE, 'PAUSED', 'DRAFT'].includes(j.status) && <button type="button" onClick={() => void act(j, 'cancel')}>Cancel {j.name}</button>}
                  <button type="button" onClick={() => void remove(j)}>Delete {j.name}</button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ))}
      {open && <JobRuns key={`${open}/${generation}`} project={project} job={open} />}
    </>
  );
}

function JobRuns({ project, job }: { project: string; job: string }) {
  const [runs, setRuns] = useState<JobRun[] | null>(null);
  const [error, setError] = useState('');
  // Polled while shown: a schedule or a trigger adds runs, and runs change status.
  const load = useCallback(() => api.GET('/api/projects/{project}/jobs/{job}/runs', { params: { path: { project, job } } }).then((r) => (r.data ? setRuns(r.data.runs) : setError(errorText(r.error)))), [project, job]);
  usePolling(load, POLL_MS);
  if (error) return <p role="alert" className="error">{error}</p>;
  if (!runs) return null;
  return (
    <section className="run-detail" aria-label="job runs">
      <h2>Job runs</h2>
      {runs.length === 0 ? <p>No runs yet.</p> : (
        <table>
          <thead><tr><th scope="col">Batch</th><th scope="col">#</th><th scope="col">Status</th><th scope="col">Parameters</th><th scope="col">Started</th><th scope="col">Duration</th></tr></thead>
          <tbody>
            {runs.map((r) => (
              <tr key={r.uuid}>
                <td>{r.job_run_index}</td>
                <td>{r.job_run_pipeline_run_index}</td>
                <td><span className={`status status-${r.status.toLowerCase()}`}>{r.status}</span>{r.reason && <span className="muted"> {r.reason}</span>}</td>
                <td><code>{JSON.stringify(r.parameters)}</code></td>
                <td>{when(r.started_at)}</td>
                <td>{duration(r.started_at, r.finished_at)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
