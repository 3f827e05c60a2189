import { useCallback, useEffect, useRef, useState } from 'react';
import { href } from '../use-hash-route.ts';
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

/**
 * The project's jobs: the list first (next run time, pause/resume/trigger/cancel/delete), a job
 * created in a dialog, and a job's own page (`open`: its name) with its runs grouped in batches.
 */
export function JobsTab({ project, open }: { project: string; open: string | null }) {
  const [jobs, setJobs] = useState<Job[] | null>(null);
  const [error, setError] = useState('');
  const [generation, setGeneration] = useState(0);
  const dialog = useRef<HTMLDialogElement>(null);
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
    if (open === job.name) window.location.hash = href('projects', project, 'jobs');
    await load();
  };
  const actions = (j: Job) => (
    <div className="row-actions">
      {(j.status === 'PAUSED' || j.status === 'DRAFT') && <button type="button" onClick={() => void act(j, 'resume')}>Resume {j.name}</button>}
      {j.schedule && LIVE.includes(j.status) && <button type="button" onClick={() => void act(j, 'pause')}>Pause {j.name}</button>}
      {[...LIVE, 'PAUSED'].includes(j.status) && <button type="button" onClick={() => void act(j, 'trigger')}>Trigger {j.name}</button>}
      {[...LIVE, 'PAUSED', 'DRAFT'].includes(j.status) && <button type="button" onClick={() => void act(j, 'cancel')}>Cancel {j.name}</button>}
      <button type="button" className="danger" onClick={() => void remove(j)}>Delete {j.name}</button>
    </div>
  );
  const job = open ? jobs?.find((j) => j.name === open || j.uuid === open) : undefined;
  if (open) {
    if (!jobs) return <p className="loading">Loading…</p>;
    if (!job) return <p role="alert" className="error">No job {open} in this project. <a href={href('projects', project, 'jobs')}>All jobs</a></p>;
    return (
      <section className="job-page" aria-label={`Job ${job.name}`}>
        <h2>{job.name} <span className={`status-pill status-${job.status.toLowerCase()}`}>{job.status}</span></h2>
        <dl className="facts">
          <div><dt>Pipeline</dt><dd>{job.pipeline.name}</dd></div>
          <div><dt>Schedule</dt><dd>{job.schedule ? <><code>{job.schedule}</code> {job.timezone}</> : 'once'}</dd></div>
          <div><dt>Next run</dt><dd data-testid="next-run">{when(job.next_scheduled_time) || '—'}</dd></div>
          <div><dt>Runs</dt><dd>{job.total_scheduled_pipeline_runs}</dd></div>
        </dl>
        {actions(job)}
        {error && <p role="alert" className="error">{error}</p>}
        <JobRuns key={`${job.uuid}/${generation}`} project={project} job={job.uuid} />
      </section>
    );
  }
  return (
    <>
      <div className="section-head">
        <h2>Jobs</h2>
        <button type="button" className="primary" onClick={() => dialog.current?.showModal()}>New job</button>
        <button type="button" onClick={() => void load()}>Refresh</button>
      </div>
      <dialog ref={dialog} className="dialog" aria-labelledby="new-job-title">
        <div className="dialog-head">
          <h2 id="new-job-title">New job</h2>
          <button type="button" onClick={() => dialog.current?.close()} aria-label="Close the new job dialog">Close</button>
        </div>
        <JobForm project={project} onCreated={() => (dialog.current?.close(), void load())} />
      </dialog>
      {error && <p role="alert" className="error">{error}</p>}
      {jobs && (jobs.length === 0 ? <p className="empty">No jobs yet. A job runs a pipeline once or on a cron schedule, over a grid of parameters: press <strong>New job</strong>.</p> : (
        <table aria-label="jobs">
          <thead><tr><th scope="col">Job</th><th scope="col">Pipeline</th><th scope="col">Status</th><th scope="col">Schedule</th><th scope="col">Next run</th><th scope="col">Runs</th><th scope="col">Actions</th></tr></thead>
          <tbody>
            {jobs.map((j) => (
              <tr key={j.uuid}>
                <td><a href={href('projects', project, 'jobs', j.name)}>{j.name}</a></td>
                <td>{j.pipeline.name}</td>
                <td><span className={`status status-${j.status.toLowerCase()}`}>{j.status}</span></td>
                <td>{j.schedule ? <><code>{j.schedule}</code> <span className="muted">{j.timezone}</span></> : 'once'}</td>
                <td data-testid="next-run">{when(j.next_scheduled_time)}</td>
                <td>{j.total_scheduled_pipeline_runs}</td>
                <td>{actions(j)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ))}
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
  const batches = new Map<number, JobRun[]>();
  for (const r of runs) batches.set(r.job_run_index, [...(batches.get(r.job_run_index) ?? []), r]);
  return (
    <section className="run-detail" aria-label="job runs">
      <h2>Batches</h2>
      {runs.length === 0 ? <p className="empty">No runs yet: the schedule starts a batch, or press Trigger.</p> : (
        [...batches.entries()].sort((a, b) => b[0] - a[0]).map(([index, batch]) => (
          <section key={index} className="batch" aria-label={`Batch ${index}`}>
            <h3>Batch {index} <span className="muted small">{when(batch[0]!.created_at)} · {batch.filter((r) => r.status === 'SUCCESS').length}/{batch.length} succeeded</span></h3>
            <table>
              <thead><tr><th scope="col">#</th><th scope="col">Status</th><th scope="col">Parameters</th><th scope="col">Started</th><th scope="col">Duration</th></tr></thead>
              <tbody>
                {batch.sort((a, b) => a.job_run_pipeline_run_index - b.job_run_pipeline_run_index).map((r) => (
                  <tr key={r.uuid}>
                    <td><a href={href('projects', project, 'runs', r.uuid)} aria-label={`Run ${r.job_run_pipeline_run_index} of batch ${index}`}>{r.job_run_pipeline_run_index}</a></td>
                    <td><span className={`status status-${r.status.toLowerCase()}`}>{r.status}</span>{r.reason && <span className="muted"> {r.reason}</span>}</td>
                    <td><code>{JSON.stringify(r.parameters)}</code></td>
                    <td>{when(r.started_at)}</td>
                    <td>{duration(r.started_at, r.finished_at)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </section>
        ))
      )}
    </section>
  );
}
