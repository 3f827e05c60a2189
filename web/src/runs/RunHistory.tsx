import { useEffect, useState } from 'react';
import { api, errorText, type Ok } from '../api/client.ts';
import { href } from '../use-hash-route.ts';
import { duration } from './duration.ts';

type Run = Ok<'/api/projects/{project}/runs', 'get'>['runs'][number];
const STATUSES = ['PENDING', 'STARTED', 'SUCCESS', 'FAILURE', 'ABORTED'] as const;
type StatusFilter = (typeof STATUSES)[number] | '';

/**
 * The project's runs, newest first, filtered by status (server side) and pipeline (client side),
 * each with its duration (a bar against the longest shown); two runs of one pipeline can be picked
 * and compared on one timeline (the run page with `/compare/OTHER`).
 */
export function RunHistory({ project }: { project: string }) {
  const [runs, setRuns] = useState<Run[] | null>(null);
  const [status, setStatus] = useState<StatusFilter>('');
  const [pipeline, setPipeline] = useState('');
  const [error, setError] = useState('');
  const [picked, setPicked] = useState<string[]>([]);
  useEffect(() => {
    const query = { limit: 200, ...(status ? { status } : {}) };
    void api.GET('/api/projects/{project}/runs', { params: { path: { project }, query } }).then((r) => (r.data ? setRuns(r.data.runs) : setError(errorText(r.error))));
  }, [project, status]);
  const shown = (runs ?? []).filter((r) => !pipeline || r.pipeline.name.includes(pipeline) || r.pipeline.path.includes(pipeline));
  const ms = (r: Run) => (r.started_at ? (r.finished_at ? Date.parse(r.finished_at) : Date.now()) - Date.parse(r.started_at) : 0);
  const longest = Math.max(1, ...shown.map(ms));
  const pickedRuns = picked.map((u) => runs?.find((r) => r.uuid === u)).filter((r): r is Run => !!r);
  const samePipeline = pickedRuns.length === 2 && pickedRuns[0]!.pipeline.uuid === pickedRuns[1]!.pipeline.uuid;
  const toggle = (uuid: string, on: boolean) => setPicked((p) => (on ? [...p.filter((u) => u !== uuid), uuid].slice(-2) : p.filter((u) => u !== uuid)));
  const compare = () => {
    // The newer run first, the older one drawn under it.
    const [a, b] = [...pickedRuns].sort((x, y) => (y.created_at ?? '').localeCompare(x.created_at ?? ''));
    window.location.hash = href('projects', project, 'runs', a!.uuid, 'compare', b!.uuid);
  };
  return (
    <>
      <div className="filters" role="search">
        <label>Status <select value={status} onChange={(e) => setStatus(e.target.value as StatusFilter)}>
          <option value="">any</option>
          {STATUSES.map((s) => <option key={s} value={s}>{s}</option>)}
        </select></label>
        <label>Pipeline <input value={pipeline} onChange={(e) => setPipeline(e.target.value)} placeholder="name or file" /></label>
        <div className="compare-picked">
          <button type="button" onClick={compare} disabled={!samePipeline}>Compare selected runs</button>
          <span className="muted small" role="status">{picked.length < 2 ? `Tick two runs of a pipeline to compare their timelines (${picked.length} ticked).` : samePipeline ? '' : 'The two runs are of different pipelines: tick two runs of the same one.'}</span>
        </div>
      </div>
      {error && <p role="alert" className="error">{error}</p>}
      {runs && runs.length === 0 && !status ? <p className="empty">No runs yet. Open a pipeline and choose <strong>Run all</strong> from its run menu (▾ beside <strong>Run selected</strong>), or run one with <code>berth run</code>.</p>
        : runs && (shown.length === 0 ? <p>No runs match.</p> : (
        <table>
          <thead><tr><th scope="col"><span className="sr-only">Compare</span></th><th scope="col">Run</th><th scope="col">Pipeline</th><th scope="col">Status</th><th scope="col">Type</th><th scope="col">Started</th><th scope="col">Duration</th></tr></thead>
          <tbody>
            {shown.map((r) => (
              <tr key={r.uuid}>
                <td><input type="checkbox" aria-label={`Compare run ${r.uuid.slice(0, 8)}`} checked={picked.includes(r.uuid)} onChange={(e) => toggle(r.uuid, e.target.checked)} /></td>
                <td><a href={href('projects', project, 'runs', r.uuid)} aria-label={`Run ${r.uuid.slice(0, 8)} of ${r.pipeline.name}`}>{r.uuid.slice(0, 8)}</a></td>
                <td>{r.pipeline.name}</td>
                <td><span className={`status status-${r.status.toLowerCase()}`}>{r.status}</span></td>
                <td>{r.run_type}</td>
                <td>{r.started_at ? new Date(r.started_at).toLocaleString() : ''}</td>
                <td className="duration-cell" data-testid="run-duration-cell"><span className="duration-track" aria-hidden="true"><span className={`duration-bar bg-${r.status.toLowerCase()}`} style={{ width: `${Math.max(2, (ms(r) / longest) * 100)}%` }} /></span> {duration(r.started_at, r.finished_at)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ))}
    </>
  );
}
