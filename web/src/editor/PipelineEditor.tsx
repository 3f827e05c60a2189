import { applyEdgeChanges, applyNodeChanges, Background, Controls, MiniMap, ReactFlow, type Connection, type Edge, type EdgeChange, type NodeChange, type ReactFlowInstance } from '@xyflow/react';
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { api, errorText } from '../api/client.ts';
import { LogPanel } from '../runs/LogPanel.tsx';
import { stepLogUrl } from '../runs/RunHistory.tsx';
import { useRunEvents } from '../runs/use-run-events.ts';
import { SessionPanel } from '../sessions/SessionPanel.tsx';
import { href } from '../use-hash-route.ts';
import { reuseUnchanged } from './reuse-unchanged.ts';
import { addStep, NODE_SIZE, connect, disconnect, moveStep, removeSteps, toEdges, toNodes, updateStep, withPositions, type Pipeline, type StepNode } from './pipeline-graph.ts';
import { IncomingConnections } from './IncomingConnections.tsx';
import { PipelineForm } from './PipelineForm.tsx';
import { isOnServiceField } from './pipeline-services.ts';
import { StepForm } from './StepForm.tsx';
import { StepNodeView } from './StepNodeView.tsx';
import { useUndo } from './use-undo.ts';
import { usePipelineProblems } from './use-pipeline-problems.ts';

const nodeTypes = { step: StepNodeView };
type RunType = 'full' | 'selection' | 'incoming';

/** The pipeline editor: the DAG of a .orchest file, step forms, save/undo, and runs watched live on the graph. */
export function PipelineEditor({ project, path }: { project: string; path: string }) {
  const doc = useUndo<Pipeline | null>(null);
  const [saved, setSaved] = useState<Pipeline | null>(null);
  const [error, setError] = useState('');
  const [notice, setNotice] = useState('');
  const [nodes, setNodes] = useState<StepNode[]>([]);
  const [edges, setEdges] = useState<Edge[]>([]);
  const [runUuid, setRunUuid] = useState<string | null>(null);
  const [logStep, setLogStep] = useState<string | null>(null);
  const live = useRunEvents(runUuid);
  const flow = useRef<ReactFlowInstance<StepNode> | null>(null);
  const canvas = useRef<HTMLDivElement>(null);
  const pipeline = doc.value;
  const problems = usePipelineProblems(project, path, pipeline);

  useEffect(() => {
    void api.GET('/api/projects/{project}/pipelines/{pipeline}', { params: { path: { project, pipeline: path } } }).then((r) => {
      if (!r.data) return setError(errorText(r.error));
      const p = withPositions(r.data.pipeline as unknown as Pipeline);
      doc.reset(p);
      setSaved(p);
    });
  }, [project, path, doc.reset]);

  const selected = useMemo(() => new Set(nodes.filter((n) => n.selected).map((n) => n.id)), [nodes]);
  const problemsByStep = useMemo(() => {
    const m = new Map<string, number>();
    for (const p of problems) {
      const uuid = /^steps\.([A-Za-z0-9_-]+)/.exec(p.path)?.[1];
      if (uuid) m.set(uuid, (m.get(uuid) ?? 0) + 1);
    }
    return m;
  }, [problems]);
  // The canvas follows the document; selection stays the canvas's own.
  useEffect(() => {
    if (!pipeline) return;
    setNodes((old) => reuseUnchanged(old, toNodes(pipeline, live?.steps ?? {}, problemsByStep, new Set(old.filter((n) => n.selected).map((n) => n.id)))));
    setEdges((old) => {
      const sel = new Set(old.filter((e) => e.selected).map((e) => e.id));
      return reuseUnchanged(old, toEdges(pipeline).map((e) => ({ ...e, selected: sel.has(e.id) })));
    });
  }, [pipeline, live, problemsByStep]);

  const onNodesChange = useCallback((changes: NodeChange<StepNode>[]) => setNodes((ns) => applyNodeChanges(changes, ns)), []);
  const onEdgesChange = useCallback((changes: EdgeChange[]) => setEdges((es) => applyEdgeChanges(changes, es)), []);
  const onConnect = useCallback((c: Connection) => doc.set((p) => (p ? connect(p, c.source, c.target) : p)), [doc.set]);
  const onEdgesDelete = useCallback((gone: Edge[]) => doc.set((p) => gone.reduce((acc, e) => (acc ? disconnect(acc, e.source, e.target) : acc), p)), [doc.set]);
  const onNodesDelete = useCallback((gone: StepNode[]) => doc.set((p) => (p ? removeSteps(p, new Set(gone.map((n) => n.id))) : p)), [doc.set]);
  const onNodeDragStop = useCallback((_: unknown, _n: StepNode, moved: StepNode[]) => doc.set((p) => moved.reduce((acc, n) => (acc ? moveStep(acc, n.id, n.position.x, n.position.y) : acc), p)), [doc.set]);

  /** The flow position in the middle of the visible canvas (where a new step goes). */
  const viewCenter = () => {
    const r = canvas.current?.getBoundingClientRect();
    return r && flow.current ? flow.current.screenToFlowPosition({ x: r.left + r.width / 2, y: r.top + r.height / 2 }) : undefined;
  };
  // A step added while the canvas was still fitting (or outside the visible area) is brought into view.
  const [added, setAdded] = useState<string | null>(null);
  const [flowReady, setFlowReady] = useState(false);
  useEffect(() => {
    const f = flow.current;
    const r = canvas.current?.getBoundingClientRect();
    const pos = added ? pipeline?.steps[added]?.meta_data?.position : undefined;
    if (!added || !f || !r || !pos) return;
    setAdded(null);
    const [x, y] = pos;
    const tl = f.screenToFlowPosition({ x: r.left, y: r.top });
    const br = f.screenToFlowPosition({ x: r.right, y: r.bottom });
    if (x < tl.x || y < tl.y || x + NODE_SIZE.width > br.x || y + NODE_SIZE.height > br.y) {
      void f.setCenter(x + NODE_SIZE.width / 2, y + NODE_SIZE.height / 2, { zoom: f.getZoom() });
    }
  }, [added, pipeline, flowReady]);
  const onAddStep = () => {
    const uuid = crypto.randomUUID();
    doc.set((p) => (p ? addStep(p, uuid, viewCenter()) : p));
    setAdded(uuid);
  };
  const dirty = pipeline !== null && pipeline !== saved;
  const save = useCallback(async (): Promise<boolean> => {
    if (!pipeline) return false;
    const res = await api.PUT('/api/projects/{project}/pipelines/{pipeline}', { params: { path: { project, pipeline: path } }, body: pipeline as unknown as Record<string, never> });
    if (res.error) return setError(`Not saved: ${errorText(res.error)}`), false;
    setError('');
    setSaved(pipeline);
    setNotice(`Saved ${path}`);
    return true;
  }, [pipeline, project, path]);

  const run = async (runType: RunType) => {
    if (dirty && !(await save())) return;
    const uuids = runType === 'full' ? undefined : [...selected];
    if (uuids && uuids.length === 0) return setError('Select one or more steps first (click, or Shift+click for several).');
    const res = await api.POST('/api/projects/{project}/runs', { params: { path: { project } }, body: { pipeline: path, run_type: runType, uuids } });
    if (!res.data) return setError(`Run not started: ${errorText(res.error)}`);
    setError('');
    setNotice(`Run ${res.data.run.uuid.slice(0, 8)} started`);
    setRunUuid(res.data.run.uuid);
  };
  const cancel = async () => {
    if (runUuid) await api.DELETE('/api/runs/{run}', { params: { path: { run: runUuid } } });
  };

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (!(e.ctrlKey || e.metaKey)) return;
      if (e.key === 'z' && !(e.target instanceof HTMLInputElement || e.target instanceof HTMLTextAreaElement)) (e.preventDefault(), doc.undo());
      if (e.key === 's') (e.preventDefault(), void save());
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [doc.undo, save]);

  if (!pipeline) return <section className="page">{error ? <p role="alert" className="error">{error}</p> : <p className="loading">Loading…</p>}</section>;
  // Large pipelines open on their first steps at a readable zoom instead of a whole-graph speck.
  const fitViewOptions = { maxZoom: 1, nodes: Object.keys(pipeline.steps).slice(0, 40).map((id) => ({ id })) };
  const one = selected.size === 1 ? pipeline.steps[[...selected][0]!] : undefined;
  const running = live && (live.status === 'PENDING' || live.status === 'STARTED');
  // Problems the open form does not show on a field.
  const pipelineProblems = problems.filter((p) => (one ? !p.path.startsWith(`steps.${one.uuid}`) : !/^(name|parameters)\b/.test(p.path) && !isOnServiceField(p.path)));
  return (
    <section className="editor">
      <div className="toolbar" role="toolbar" aria-label="pipeline actions">
        <a href={href('projects', project)}>← {project}</a>
        <strong className="pipeline-name">{pipeline.name}</strong>
        <button type="button" onClick={onAddStep}>Add step</button>
        <button type="button" onClick={doc.undo} disabled={!doc.canUndo} aria-keyshortcuts="Control+Z">Undo</button>
        <button type="button" onClick={() => void save()} disabled={!dirty} aria-keyshortcuts="Control+S">{dirty ? 'Save' : 'Saved'}</button>
        <span className="sep" />
        <button type="button" onClick={() => void run('full')} disabled={!!running}>Run all</button>
        <button type="button" onClick={() => void run('selection')} disabled={!!running || selected.size === 0}>Run selected</button>
        <button type="button" onClick={() => void run('incoming')} disabled={!!running || selected.size === 0}>Run incoming</button>
        <button type="button" onClick={() => void cancel()} disabled={!running}>Cancel run</button>
        {live && <span className={`status status-${live.status.toLowerCase()}`} data-testid="run-status" aria-live="polite">Run {live.status}</span>}
      </div>
      {error && <p role="alert" className="error banner">{error}</p>}
      {notice && !error && <p className="notice" aria-live="polite">{notice}</p>}
      <div className="editor-body">
        <div className="canvas" aria-label="pipeline graph" ref={canvas}>
          <ReactFlow
            nodes={nodes}
            edges={edges}
            nodeTypes={nodeTypes}
            onNodesChange={onNodesChange}
            onEdgesChange={onEdgesChange}
            onConnect={onConnect}
            onEdgesDelete={onEdgesDelete}
            onNodesDelete={onNodesDelete}
            onNodeDragStop={onNodeDragStop}
            onInit={(instance) => ((flow.current = instance), setFlowReady(true))}
            deleteKeyCode={['Backspace', 'Delete']}
            multiSelectionKeyCode="Shift"
            onlyRenderVisibleElements
            colorMode="system"
            fitView
            fitViewOptions={fitViewOptions}
            minZoom={0.05}
          >
            <Background />
            <Controls />
            {Object.keys(pipeline.steps).length <= 200 && <MiniMap pannable zoomable />}
          </ReactFlow>
        </div>
        <aside className="side">
          {one ? (
            <StepForm
              step={one}
              problems={problems}
              onChange={(patch) => doc.set((p) => (p ? updateStep(p, one.uuid, patch) : p))}
              onRemove={() => doc.set((p) => (p ? removeSteps(p, new Set([one.uuid])) : p))}
              onShowLog={runUuid && live?.steps[one.uuid] ? () => setLogStep(one.uuid) : undefined}
              connections={
                <IncomingConnections
                  pipeline={pipeline}
                  uuid={one.uuid}
                  onConnect={(from) => doc.set((p) => (p ? connect(p, from, one.uuid) : p))}
                  onDisconnect={(from) => doc.set((p) => (p ? disconnect(p, from, one.uuid) : p))}
                />
              }
            />
          ) : (
            <PipelineForm project={project} pipeline={pipeline} problems={problems} onChange={(patch) => doc.set((p) => (p ? { ...p, ...patch } : p))} onEdit={(edit) => doc.set((p) => (p ? edit(p) : p))} />
          )}
          {pipelineProblems.length > 0 && (
            <div className="problems" role="alert">
              <h2>Problems</h2>
              <ul>{pipelineProblems.map((p, i) => <li key={i}><code>{p.path}</code>: {p.message}{p.fix ? ` — ${p.fix}` : ''}</li>)}</ul>
            </div>
          )}
          <SessionPanel project={project} path={path} pipeline={pipeline} />
        </aside>
      </div>
      {runUuid && logStep && (
        <LogPanel key={`${runUuid}/${logStep}`} title={pipeline.steps[logStep]?.title ?? logStep} url={stepLogUrl(runUuid, logStep)} onClose={() => setLogStep(null)} />
      )}
    </section>
  );
}
