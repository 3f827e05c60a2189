import { Background, Controls, ReactFlow } from '@xyflow/react';
import { useCallback, useEffect, useMemo, useState } from 'react';
import { api, errorText, type RunReport } from '../api/client.ts';
import { editablePipeline } from '../editor/editable-pipeline.ts';
import { toEdges, toNodes, withPositions, type Pipeline, type StepStatus } from '../editor/pipeline-graph.ts';
import { StepNodeView } from '../editor/StepNodeView.tsx';
import { href } from '../use-hash-route.ts';
import { usePolling } from '../use-polling.ts';
import { duration } from './duration.ts';
import { LogPanel } from './LogPanel.tsx';
import { RunTimeline } from './RunTimeline.tsx';
import { stepLogUrl } from './step-log-url.ts';

const nodeTypes = { step: StepNodeView };
const LIVE = ['PENDING', 'STARTED'];

/**
 * One run: its pipeline's graph with each step's status and duration, a timeline (Gantt) of its
 * steps, and the selected step's log beside them; followed live while the run is going.
 */
export function RunPage({ project, run, compareWith }: { project: string; run: string; compareWith?: string }) {
  const [report, setReport] = useState<RunReport | null>(null);
  const [error, setError] = useState('');
  const [pipeline, setPipeline] = useState<Pipeline | null>(null);
  const [selected, setSelected] = useState<string | null>(null);
  const [now, setNow] = useState(Date.now());
  const [others, setOthers] = useState<Array<{ uuid: string; status: string; started_at: string | null }>>([]);
  const [compare, setCompare] = useState(compareWith ?? '');
  const [other, setOther] = useState<RunReport | null>(null);
  const running = !report || LIVE.includes(report.run.status);
  const load = useCallback(async () => {
    if (!running) return;
    const r = await api.GET('/api/runs/{run}', { params: { path: { run } } });
    if (!r.data) return setError(errorText(r.error));
    setReport(r.data);
    setNow(Date.now());
  }, [run, running]);
  usePolling(load, 1000);
  // The run's own pipeline (the snapshot it started with), never the file as it is now.
  const [snapshotError, setSnapshotError] = useState('');
  useEffect(() => {
    void api.GET('/api/runs/{run}/pipeline', { params: { path: { run } } }).then((r) => {
      if (r.data) setPipeline(withPositions(editablePipeline(r.data.pipeline)));
      else setSnapshotError(errorText(r.error));
    });
  }, [run]);
  const pipelineUuid = report?.run.pipeline.uuid;
  useEffect(() => {
    if (!pipelineUuid) return;
    void api.GET('/api/projects/{project}/runs', { params: { path: { project }, query: { pipeline: pipelineUuid, limit: 50 } } }).then((r) => setOthers((r.data?.runs ?? []).filter((x) => x.uuid !== run)));
  }, [project, pipelineUuid, run]);
  useEffect(() => {
    setOther(null);
    if (!compare) return;
    void api.GET('/api/runs/{run}', { params: { path: { run: compare } } }).then((r) => setOther(r.data ?? null));
  }, [compare]);
  useEffect(() => {
    if (report && !selected && report.steps.length > 0) setSelected((report.steps.find((s) => s.status === 'FAILURE') ?? report.steps[0]!).uuid);
  }, [report, selected]);
  const statuses = useMemo(() => {
    const m: Record<string, StepStatus> = {};
    for (const s of report?.steps ?? []) m[s.uuid] = s;
    return m;
  }, [report]);
  // The graph of the run's pipeline, restricted to the steps of this run.
  const graph = useMemo(() => {
    if (!pipeline || !report) return null;
    const inRun = new Set(report.steps.map((s) => s.uuid));
    const steps = Object.fromEntries(Object.entries(pipeline.steps).filter(([k]) => inRun.has(k)));
    const p = { ...pipeline, steps };
    return { nodes: toNodes(p, statuses, new Map(), new Set(selected ? [selected] : [])), edges: toEdges(p) };
  }, [pipeline, report, statuses, selected]);
  const cancel = async () => {
    const r = await api.DELETE('/api/runs/{run}', { params: { path: { run } } });
    if (r.error) setError(`Not cancelled: ${errorText(r.error)}`);
  };

  if (error && !report) return <section className="page"><p role="alert" className="error">{error}</p></section>;
  if (!report) return <section className="page"><p className="loading">Loading…</p></section>;
  const r = report.run;
  const step = report.steps.find((s) => s.uuid === selected);
  return (
    <section className="run-page">
      <header className="run-header">
        <h1>Run {r.uuid.slice(0, 8)} <span className={`status-pill status-${r.status.toLowerCase()}`} data-testid="run-status">{r.status}</span></h1>
        <dl className="facts">
          <div><dt>Pipeline</dt><dd><a href={href('projects', project, 'pipelines', ...r.pipeline.path.split('/'))}>{r.pipeline.name}</a></dd></div>
          <div><dt>Type</dt><dd>{r.run_type}</dd></div>
          <div><dt>Started</dt><dd>{r.started_at ? new Date(r.started_at).toLocaleString() : 'not yet'}</dd></div>
          <div><dt>Duration</dt><dd data-testid="run-duration">{duration(r.started_at, r.finished_at, now)}</dd></div>
          <div><dt>Runtime</dt><dd>{r.runtime}</dd></div>
        </dl>
        {LIVE.includes(r.status) && <button type="button" className="danger" onClick={() => void cancel()}>Cancel run</button>}
        {r.reason && <p className="error">{r.reason}</p>}
        {error && <p role="alert" className="error">{error}</p>}
      </header>
      <div className="run-body">
        <div className="run-main">
          <p className="muted small">The graph shows the pipeline as this run started it{pipeline?.name ? ` (${pipeline.name})` : ''}; the file may have changed since.</p>
          {snapshotError && <p className="empty">No graph: {snapshotError}</p>}
          <div className="run-graph" aria-label="run graph">
            {graph && (
              <ReactFlow nodes={graph.nodes} edges={graph.edges} nodeTypes={nodeTypes} nodesDraggable={false} nodesConnectable={false} elementsSelectable={false} onNodeClick={(_, n) => setSelected(n.id)} fitView fitViewOptions={{ maxZoom: 1 }} colorMode="system" proOptions={{ hideAttribution: true }}>
                <Background />
                <Controls showInteractive={false} />
              </ReactFlow>
            )}
          </div>
          <div className="section-head">
            <h2>Timeline</h2>
            {others.length > 0 && (
              <label className="inline">Compare with <select value={compare} onChange={(e) => setCompare(e.target.value)}>
                <option value="">no other run</option>
                {compare && !others.some((o) => o.uuid === compare) && <option value={compare}>{compare.slice(0, 8)}</option>}
                {others.map((o) => <option key={o.uuid} value={o.uuid}>{o.uuid.slice(0, 8)} · {o.status}{o.started_at ? ` · ${new Date(o.started_at).toLocaleString()}` : ''}</option>)}
              </select></label>
            )}
          </div>
          {other && <p className="muted small legend"><span className="swatch" /> this run <span className="swatch other" /> run {other.run.uuid.slice(0, 8)}, both from their own start</p>}
          <RunTimeline steps={report.steps} start={r.started_at} end={r.finished_at} selected={selected} onSelect={setSelected} now={now} other={other ? { label: `run ${other.run.uuid.slice(0, 8)}`, steps: other.steps, start: other.run.started_at, end: other.run.finished_at } : undefined} />
        </div>
        <aside className="run-log">
          {!step ? <p className="empty">Select a step to see its log.</p>
            : !step.started_at ? <p className="empty">{step.title} has not started{LIVE.includes(r.status) ? ' yet' : ` (${step.status})`}.</p>
            : <LogPanel key={step.uuid} title={`Log of ${step.title}`} url={stepLogUrl(r.uuid, step.uuid)} />}
        </aside>
      </div>
    </section>
  );
}
