import { useEffect, useState } from 'react';
import { api, errorText, type Ok } from '../api/client.ts';
import type { Pipeline } from '../editor/pipeline-graph.ts';
import { CronField } from './CronField.tsx';
import { initialGrid, ParameterGrid, parseGrid, type GridText } from './ParameterGrid.tsx';

type PipelineEntry = Ok<'/api/projects/{project}/pipelines', 'get'>['pipelines'][number];
type Combination = Record<string, unknown>;

/** Create a job: pipeline, name, schedule (cron builder + timezone), parameter grid with a dry-run preview. */
export function JobForm({ project, onCreated }: { project: string; onCreated: () => void }) {
  const [pipelines, setPipelines] = useState<PipelineEntry[]>([]);
  const [path, setPath] = useState('');
  const [pipeline, setPipeline] = useState<Pipeline | null>(null);
  const [name, setName] = useState('');
  const [schedule, setSchedule] = useState({ cron: '0 0 * * *', timezone: Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC' });
  const [grid, setGrid] = useState<GridText>({});
  const [preview, setPreview] = useState<Combination[] | null>(null);
  const [error, setError] = useState('');
  const [notice, setNotice] = useState('');
  useEffect(() => {
    void api.GET('/api/projects/{project}/pipelines', { params: { path: { project } } }).then((r) => {
      if (!r.data) return setError(errorText(r.error));
      setPipelines(r.data.pipelines);
      if (r.data.pipelines[0]) setPath((p) => p || r.data.pipelines[0]!.path);
    });
  }, [project]);
  useEffect(() => {
    if (!path) return;
    setPipeline(null);
    setPreview(null);
    void api.GET('/api/projects/{project}/pipelines/{pipeline}', { params: { path: { project, pipeline: path } } }).then((r) => {
      if (!r.data) return setError(errorText(r.error));
      const p = r.data.pipeline as unknown as Pipeline;
      setPipeline(p);
      setGrid(initialGrid(p));
    });
  }, [project, path]);

  const submit = async (dryRun: boolean) => {
    setNotice('');
    const parsed = parseGrid(grid);
    if ('error' in parsed) return setError(parsed.error);
    if (!dryRun && !name.trim()) return setError('Give the job a name.');
    const body = { name: name.trim() || 'preview', pipeline_path: path, parameters: parsed.grid, ...(schedule.cron.trim() ? { cron: schedule.cron.trim(), timezone: schedule.timezone } : {}) };
    const query = dryRun ? { dry_run: '1' as const } : {};
    const r = await api.POST('/api/projects/{project}/jobs', { params: { path: { project }, query }, body });
    if (r.error) return setError(`${dryRun ? 'No preview' : 'Job not created'}: ${errorText(r.error)}`);
    setError('');
    if (dryRun) return setPreview((r.data as { parameters: Combination[] }).parameters);
    setNotice(`Job ${name.trim()} created`);
    setName('');
    setPreview(null);
    onCreated();
  };

  return (
    <form className="job-form" aria-label="new job" onSubmit={(e) => (e.preventDefault(), void submit(false))}>
      <h2>New job</h2>
      <label>Job name <input value={name} onChange={(e) => setName(e.target.value)} required /></label>
      <label htmlFor="job-pipeline">Pipeline</label>
      <select id="job-pipeline" value={path} onChange={(e) => setPath(e.target.value)}>
        {pipelines.map((p) => <option key={p.path} value={p.path}>{p.name ?? p.path} ({p.path})</option>)}
      </select>
      <CronField cron={schedule.cron} timezone={schedule.timezone} onChange={setSchedule} />
      {pipeline && <ParameterGrid pipeline={pipeline} value={grid} onChange={(g) => (setGrid(g), setPreview(null))} />}
      <div className="session-actions">
        <button type="button" onClick={() => void submit(true)} disabled={!pipeline}>Preview runs</button>
        <button type="submit" disabled={!pipeline}>Create job</button>
      </div>
      {error && <p role="alert" className="error">{error}</p>}
      {notice && <p className="notice" aria-live="polite">{notice}</p>}
      {preview && <CombinationPreview combinations={preview} pipeline={pipeline} />}
    </form>
  );
}

function CombinationPreview({ combinations, pipeline }: { combinations: Combination[]; pipeline: Pipeline | null }) {
  const label = (owner: string) => (owner === 'pipeline_parameters' ? 'pipeline' : (pipeline?.steps[owner]?.title ?? owner));
  return (
    <section aria-label="run preview">
      <h3>{combinations.length} run{combinations.length === 1 ? '' : 's'} per schedule</h3>
      <ol className="combinations">
        {combinations.map((c, i) => (
          <li key={i}><code>{Object.entries(c).map(([owner, params]) => `${label(owner)}: ${JSON.stringify(params)}`).join('; ')}</code></li>
        ))}
      </ol>
    </section>
  );
}
