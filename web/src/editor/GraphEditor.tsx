import { applyEdgeChanges, applyNodeChanges, Background, Controls, MiniMap, ReactFlow, type Connection, type Edge, type EdgeChange, type NodeChange, type ReactFlowInstance } from '@xyflow/react';
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { api, errorText } from '../api/client.ts';
import { useRunEvents } from '../runs/use-run-events.ts';
import { SessionPanel } from '../sessions/SessionPanel.tsx';
import { href } from '../use-hash-route.ts';
import { reuseUnchanged } from './reuse-unchanged.ts';
import { addStep, NODE_SIZE, connect, disconnect, makesCycle, moveStep, removeSteps, toEdges, toNodes, updateStep, type Pipeline, type StepNode } from './pipeline-graph.ts';
import { PipelineForm } from './PipelineForm.tsx';
import { isOnServiceField } from './pipeline-services.ts';
import { StepNodeView } from './StepNodeView.tsx';
import { StepPanel, type StepTab } from './StepPanel.tsx';
import { useUndo } from './use-undo.ts';
import { usePipelineProblems } from './use-pipeline-problems.ts';
import { useLatestRun } from './use-latest-run.ts';
import { useAutosave, type SaveState } from './use-autosave.ts';
import { RunButtons, type RunType } from './RunButtons.tsx';
import { FileTree } from '../files/FileTree.tsx';
import { FILE_DRAG_TYPE, type UpdatedStep } from '../files/project-files.ts';

const nodeTypes = { step: StepNodeView };
export type Problem = { path: string; message: string; fix?: string };

/**
 * The graph of one loaded pipeline file: step panel, save/undo, runs watched live on the graph (each
 * node shows its last run's status and duration). `initial` is what was read from `path`; a save
 * writes the edited document to that same path, never anything else.
 */
export function GraphEditor({ project, path, initial, initialProblems, unsaved }: { project: string; path: string; initial: Pipeline; initialProblems: Problem[]; unsaved: boolean }) {
  const doc = useUndo<Pipeline>(initial);
  const [saved, setSaved] = useState<Pipeline | null>(unsaved ? null : initial);
  const [error, setError] = useState('');
  const [nodes, setNodes] = useState<StepNode[]>([]);
  const [edges, setEdges] = useState<Edge[]>([]);
  const latest = useLatestRun(project, initial.uuid);
  const [started, setStarted] = useState<string | null>(null);
  const runUuid = started ?? latest;
  const [tab, setTab] = useState<StepTab>('properties');
  const live = useRunEvents(runUuid);
  const flow = useRef<ReactFlowInstance<StepNode> | null>(null);
  const canvas = useRef<HTMLDivElement>(null);
  const selectNext = useRef<string | null>(null);
  const pipeline = doc.value;
  const { problems, checked } = usePipelineProblems(project, path, pipeline, initialProblems);

  const selected = useMemo(() => new Set(nodes.filter((n) => n.selected).map((n) => n.id)), [nodes]);
  const problemsByStep = useMemo(() => {
    const m = new Map<string, number>();
    for (const p of problems) {
      const uuid = /^steps\.([A-Za-z0-9_-]+)/.exec(p.path)?.[1];
      if (uuid) m.set(uuid, (m.get(uuid) ?? 0) + 1);
    }
    return m;
  }, [problems]);
  // The canvas follows the document; selection stays the canvas's own (a new step is selected).
  useEffect(() => {
    const pick = selectNext.current && pipeline.steps[selectNext.current] ? selectNext.current : null;
    if (pick) selectNext.current = null;
    setNodes((old) => reuseUnchanged(old, toNodes(pipeline, live?.steps ?? {}, problemsByStep, pick ? new Set([pick]) : new Set(old.filter((n) => n.selected).map((n) => n.id)))));
    setEdges((old) => {
      const sel = new Set(old.filter((e) => e.selected).map((e) => e.id));
      return reuseUnchanged(old, toEdges(pipeline).map((e) => ({ ...e, selected: sel.has(e.id) })));
    });
  }, [pipeline, live, problemsByStep]);

  const onNodesChange = useCallback((changes: NodeChange<StepNode>[]) => setNodes((ns) => applyNodeChanges(changes, ns)), []);
  const onEdgesChange = useCallback((changes: EdgeChange[]) => setEdges((es) => applyEdgeChanges(changes, es)), []);
  const onConnect = useCallback((c: Connection) => doc.set((p) => connect(p, c.source, c.target)), [doc.set]);
  const isValidConnection = useCallback((c: Connection | Edge) => !makesCycle(pipeline, c.source, c.target), [pipeline]);
  const onEdgesDelete = useCallback((gone: Edge[]) => doc.set((p) => gone.reduce((acc, e) => disconnect(acc, e.source, e.target), p)), [doc.set]);
  const onNodesDelete = useCallback((gone: StepNode[]) => doc.set((p) => removeSteps(p, new Set(gone.map((n) => n.id)))), [doc.set]);
  const onNodeDragStop = useCallback((_: unknown, _n: StepNode, moved: StepNode[]) => doc.set((p) => moved.reduce((acc, n) => moveStep(acc, n.id, n.position.x, n.position.y), p)), [doc.set]);

  /** The flow position in the middle of the visible canvas (where a new step goes, in free space). */
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
    const pos = added ? pipeline.steps[added]?.meta_data?.position : undefined;
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
    selectNext.current = uuid;
    setTab('properties');
    doc.set((p) => addStep(p, uuid, viewCenter()));
    setAdded(uuid);
  };
  // A project file dropped on the canvas becomes a step there (titled after the file, selected).
  const onDragOver = (e: React.DragEvent) => {
    if (!e.dataTransfer.types.includes(FILE_DRAG_TYPE)) return;
    e.preventDefault();
    e.dataTransfer.dropEffect = 'copy';
  };
  /** A project file as a new, selected step near `at` (in free space), titled after the file. */
  const addFileStep = (file: string, at: { x: number; y: number } | undefined): string => {
    const uuid = crypto.randomUUID();
    selectNext.current = uuid;
    setTab('properties');
    doc.set((p) => stepFromFile(addStep(p, uuid, at), uuid, file));
    return uuid;
  };
  // A renamed file: the server rewrote the steps that use it on disk; this pipeline's follow here too.
  const onFileRenamed = (updated: UpdatedStep[]) => {
    const ours = updated.filter((u) => u.pipeline === path);
    if (ours.length > 0) doc.set((p) => ours.reduce((acc, u) => updateStep(acc, u.step_uuid, { file_path: u.new_file_path }), p));
  };
  // The tree's "+" button: in the middle of the view (brought into view if need be).
  const onFileStep = (file: string) => setAdded(addFileStep(file, viewCenter()));
  const onDrop = (e: React.DragEvent) => {
    const file = e.dataTransfer.getData(FILE_DRAG_TYPE);
    if (!file || !flow.current) return;
    e.preventDefault();
    addFileStep(file, flow.current.screenToFlowPosition({ x: e.clientX - NODE_SIZE.width / 2, y: e.clientY - NODE_SIZE.height / 2 }));
  };
  const dirty = pipeline !== saved;
  const [saving, setSaving] = useState(false);
  const [failed, setFailed] = useState<{ doc: Pipeline; message: string } | null>(null);
  const [savedOnce, setSavedOnce] = useState(false);
  // The save under way: a later one waits for it, so two writes of this file never overlap.
  const inFlight = useRef<Promise<unknown> | null>(null);
  const save = useCallback(async (): Promise<boolean> => {
    if (pipeline === saved) return true;
    while (inFlight.current) await inFlight.current;
    setSaving(true);
    const doc = pipeline;
    const put = api.PUT('/api/projects/{project}/pipelines/{pipeline}', { params: { path: { project, pipeline: path } }, body: doc as unknown as Record<string, never> });
    inFlight.current = put;
    // A lost connection is a failed save like a refused one (never a save stuck at "Saving…").
    const res = await put.catch((e: unknown) => ({ error: `the server could not be reached (${String(e)})` })).finally(() => (inFlight.current = null));
    setSaving(false);
    if (res.error) return setFailed({ doc, message: errorText(res.error) }), false;
    setFailed(null);
    setSaved(doc);
    setSavedOnce(true);
    return true;
  }, [pipeline, saved, project, path]);
  // Autosave: a change the validator has checked and found no problem in is saved a second after the last edit.
  const checkedClean = checked === pipeline && problems.length === 0;
  useAutosave({ value: pipeline, saved, dirty, canSave: checkedClean && failed?.doc !== pipeline, save });
  const saveState: SaveState = saving ? 'saving' : !dirty ? 'saved' : failed?.doc === pipeline ? 'error' : 'unsaved';
  const saveText = {
    saving: 'Saving…',
    saved: savedOnce ? `Saved ${path}` : 'No unsaved changes',
    unsaved: checked === pipeline && problems.length > 0 ? `Unsaved: ${problems.length} problem${problems.length === 1 ? '' : 's'} to fix first` : 'Unsaved changes',
    error: `Not saved: ${failed?.message ?? ''}`,
  }[saveState];

  const run = async (runType: RunType) => {
    if (dirty && !(await save())) return setError('Run not started: the pipeline could not be saved first (see the save status).');
    const uuids = runType === 'full' ? undefined : [...selected];
    if (uuids && uuids.length === 0) return setError('Select one or more steps first (click, or Shift+click for several).');
    const res = await api.POST('/api/projects/{project}/runs', { params: { path: { project } }, body: { pipeline: path, run_type: runType, uuids } });
    if (!res.data) return setError(`Run not started: ${errorText(res.error)}`);
    setError('');
    setStarted(res.data.run.uuid);
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

  // Large pipelines open on their first steps at a readable zoom instead of a whole-graph speck.
  const fitViewOptions = useMemo(() => ({ maxZoom: 1, nodes: Object.keys(initial.steps).slice(0, 40).map((id) => ({ id })) }), [initial]);
  const oneKey = selected.size === 1 ? [...selected][0]! : undefined;
  const one = oneKey ? pipeline.steps[oneKey] : undefined;
  const running = live && (live.status === 'PENDING' || live.status === 'STARTED');
  // Problems the open panel does not show where they are.
  const elsewhere = problems.filter((p) => (one ? !p.path.startsWith(`steps.${oneKey}`) : !/^(name|parameters)\b/.test(p.path) && !isOnServiceField(p.path)));
  return (
    <section className="editor">
      <div className="toolbar" role="toolbar" aria-label="pipeline actions">
        <strong className="pipeline-name" title={path}>{pipeline.name || path}</strong>
        <div className="group" role="group" aria-label="edit">
          <button type="button" onClick={onAddStep}>Add step</button>
          <button type="button" onClick={doc.undo} disabled={!doc.canUndo} aria-keyshortcuts="Control+Z">Undo</button>
          <button type="button" className={dirty ? 'primary' : ''} onClick={() => void save()} disabled={!dirty} aria-keyshortcuts="Control+S">{dirty ? 'Save' : 'Saved'}</button>
        </div>
        <span className={`save-state save-${saveState}`} role="status" aria-label="Save status" data-state={saveState}>{saveText}</span>
        <RunButtons selected={selected.size} running={!!running} onRun={(t) => void run(t)} onCancel={() => void cancel()} />
        {live && runUuid && (
          <a className={`status-pill status-${live.status.toLowerCase()}`} data-testid="run-status" role="status" href={href('projects', project, 'runs', runUuid)}>
            {started ? 'Run' : 'Last run'} {runUuid.slice(0, 8)}: {live.status}
          </a>
        )}
      </div>
      {error && <p role="alert" className="error banner">{error}</p>}
      <div className="editor-body">
        <FileTree project={project} current={path} onMakeStep={onFileStep} onRenamed={onFileRenamed} />
        <div className="canvas" aria-label="pipeline graph" ref={canvas} onDragOver={onDragOver} onDrop={onDrop}>
          <ReactFlow
            nodes={nodes}
            edges={edges}
            nodeTypes={nodeTypes}
            onNodesChange={onNodesChange}
            onEdgesChange={onEdgesChange}
            onConnect={onConnect}
            isValidConnection={isValidConnection}
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
          {one && oneKey ? (
            <StepPanel
              project={project}
              path={path}
              key={oneKey}
              stepKey={oneKey}
              pipeline={pipeline}
              problems={problems}
              tab={tab}
              onTab={setTab}
              runUuid={runUuid}
              status={live?.steps[oneKey]}
              onChange={(patch) => doc.set((p) => updateStep(p, oneKey, patch))}
              onRemove={() => doc.set((p) => removeSteps(p, new Set([oneKey])))}
              onConnect={(from) => doc.set((p) => connect(p, from, oneKey))}
              onDisconnect={(from) => doc.set((p) => disconnect(p, from, oneKey))}
            />
          ) : (
            <PipelineForm project={project} pipeline={pipeline} problems={problems} onChange={(patch) => doc.set((p) => ({ ...p, ...patch }))} onEdit={(edit) => doc.set(edit)} />
          )}
          {elsewhere.length > 0 && (
            <div className="problems" role="alert">
              <h2>Problems</h2>
              <ul>{elsewhere.map((p, i) => <li key={i}><code>{readablePath(pipeline, p.path)}</code>: {p.message}{p.fix ? ` — ${p.fix}` : ''}</li>)}</ul>
            </div>
          )}
          <SessionPanel project={project} path={path} pipeline={pipeline} />
        </aside>
      </div>
    </section>
  );
}

/** The new step `uuid` made from a dropped project file: its title is the file's name without extension, its kernel follows the extension. */
function stepFromFile(p: Pipeline, uuid: string, file: string): Pipeline {
  const base = file.slice(file.lastIndexOf('/') + 1);
  const title = base.includes('.') ? base.slice(0, base.lastIndexOf('.')) : base;
  const kernel = /\.sh$/.test(file) ? { name: 'bash', display_name: 'Bash' } : /\.(py|ipynb)$/.test(file) ? { name: 'python', display_name: 'Python 3' } : undefined;
  return updateStep(p, uuid, { title: title || base, file_path: file, ...(kernel ? { kernel } : {}) });
}

/** A problem's path with step uuids replaced by the steps' titles: `steps["Load data"].file_path`. */
function readablePath(p: Pipeline, path: string): string {
  return path.replace(/^steps\.([A-Za-z0-9_-]+)/, (whole, key: string) => (p.steps[key]?.title ? `steps[${JSON.stringify(p.steps[key].title)}]` : whole));
}
