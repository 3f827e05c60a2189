import { useEffect, useState } from 'react';
import { api, errorText, type Ok } from '../api/client.ts';
import type { Pipeline } from '../editor/pipeline-graph.ts';
import { CombinationPreview, type Combination } from './CombinationPreview.tsx';
import { CronField } from './CronField.tsx';
import { parseEnvLines } from './env-lines.ts';
import { JobOptions } from './JobOptions.tsx';
import { initialGrid, ParameterGrid, parseGrid, type GridText } from './ParameterGrid.tsx';

type PipelineEntry = Ok<'/api/projects/{project}/pipelines', 'get'>['pipelines'][number];

/** Create a job: pipeline, name, schedule (cron builder + timezone), parameter grid with a dry-run preview (combinations can be left out), environment variables, retention. */
export function JobForm({ project, onCreated }: { project: string; onCreated: () => void }) {
  const [pipelines, setPipelines] = useState<PipelineEntry[]>([]);
  const [path, setPath] = useState('');
  const [pipeline, setPipeline] = useState<Pipeline | null>(null);
  const [name, setName] = useState('');
  const [schedule, setSchedule] = useState({ cron: '0 0 * * *', timezone: Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC' });
  const [grid, setGrid] = useState<GridText>({});
  const [preview, setPreview] = useState<Combination[] | null>(null);
  const [excluded, setExcluded] = useState<ReadonlySet<number>>(new Set());
  const [options, setOptions] = useState({ env: '', retention: '-1' });
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
    showPreview(null);
    void api.GET('/api/projects/{project}/pipelines/{pipeline}', { params: { path: { project, pipeline: path } } }).then((r) => {
      if (!r.data) return setError(errorText(r.error));
      const p = r.data.pipeline as unknown as Pipeline;
      setPipeline(p);
      setGrid(initialGrid(p));
    });
  }, [project, path]);

  /** A new preview (or none) starts with every combination included. */
  const showPreview = (combinations: Combination[] | null) => {
    setPreview(combinations);
    setExcluded(new Set());
  };
  const toggle = (i: number) => setExcluded((s) => {
    const next = new Set(s);
    if (!next.delete(i)) next.add(i);
    return next;
  });

  const submit = async (dryRun: boolean) => {
    setNotice('');
    const parsed = parseGrid(grid);
    if ('error' in parsed) return setError(parsed.error);
    if (!dryRun && !name.trim()) return setError('Give the job a name.');
    const env = parseEnvLines(options.env);
    if ('error' in env) return setError(env.error);
    const retention = Number(options.retention);
    if (options.retention.trim() === '' || !Number.isInteger(retention) || retention < -1) return setError('Pipeline runs to keep: -1 (every run) or a whole number');
    const body = {
      name: name.trim() || 'preview', pipeline_path: path, parameters: parsed.grid, env_variables: env.env, max_retained_pipeline_runs: retention,
      ...(dryRun || excluded.size === 0 ? {} : { exclude: [...excluded].sort((a, b) => a - b) }),
      ...(schedule.cron.trim() ? { cron: schedule.cron.trim(), timezone: schedule.timezone } : {}),
    };
    const query = dryRun ? { dry_run: '1' as const } : {};
    const r = await api.POST('/api/projects/{project}/jobs', { params: { path: { project }, query }, body });
    if (r.error) return setError(`${dryRun ? 'No preview' : 'Job not created'}: ${errorText(r.error)}`);
    setError('');
    if (dryRun) return showPreview((r.data as { parameters: Combination[] }).parameters);
    setNotice(`Job ${name.trim()} created`);
    setName('');
    showPreview(null);
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
      {pipeline && <ParameterGrid pipeline={pipeline} value={grid} onChange={(g) => (setGrid(g), showPreview(null))} />}
      <JobOptions env={options.env} retention={options.retention} onChange={(v) => setOptions((o) => ({ ...o, ...v }))} />
      <div className="session-actions">
        <button type="button" onClick={() => void submit(true)} disabled={!pipeline}>Preview runs</button>
        <button type="submit" disabled={!pipeline}>Create job</button>
      </div>
      {error && <p role="alert" className="error">{error}</p>}
      {notice && <p className="notice" aria-live="polite">{notice}</p>}
      {preview && <CombinationPreview combinations={preview} pipeline={pipeline} excluded={excluded} onToggle={toggle} />}
    </form>
  );
}
