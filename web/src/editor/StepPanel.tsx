import { useId } from 'react';
import type { PipelineStep } from '../../../src/core/pipeline-types.ts';
import { duration } from '../runs/duration.ts';
import { LogPanel } from '../runs/LogPanel.tsx';
import { stepLogUrl } from '../runs/step-log-url.ts';
import { IncomingConnections } from './IncomingConnections.tsx';
import type { Pipeline, StepStatus } from './pipeline-graph.ts';
import { StepForm } from './StepForm.tsx';
import { StepJupyter } from './StepJupyter.tsx';

type Problem = { path: string; message: string; fix?: string };
export type StepTab = 'properties' | 'connections' | 'logs';
const TABS: Array<[StepTab, string]> = [['properties', 'Properties'], ['connections', 'Connections'], ['logs', 'Logs']];

/** The selected step: its properties, its connections and its last log, as tabs (arrow keys move between them). */
export function StepPanel({ project, path, stepKey, pipeline, problems, tab, onTab, runUuid, status, onChange, onRemove, onConnect, onDisconnect }: {
  project: string;
  /** The pipeline file's project-relative path. */
  path: string;
  stepKey: string;
  pipeline: Pipeline;
  problems: Problem[];
  tab: StepTab;
  onTab: (tab: StepTab) => void;
  runUuid: string | null;
  status: StepStatus | undefined;
  onChange: (patch: Partial<PipelineStep>) => void;
  onRemove: () => void;
  onConnect: (from: string) => void;
  onDisconnect: (from: string) => void;
}) {
  const id = useId();
  const step = pipeline.steps[stepKey]!;
  const mine = problems.filter((p) => p.path === `steps.${stepKey}` || p.path.startsWith(`steps.${stepKey}.`) || p.path.startsWith(`steps.${stepKey}[`));
  const onConnections = (p: Problem) => p.path.startsWith(`steps.${stepKey}.incoming_connections`);
  const count: Record<StepTab, number> = { properties: mine.filter((p) => !onConnections(p)).length, connections: mine.filter(onConnections).length, logs: 0 };
  const onKey = (e: React.KeyboardEvent) => {
    const i = TABS.findIndex(([t]) => t === tab);
    const next = e.key === 'ArrowRight' ? (i + 1) % TABS.length : e.key === 'ArrowLeft' ? (i + TABS.length - 1) % TABS.length : -1;
    if (next < 0) return;
    e.preventDefault();
    onTab(TABS[next]![0]);
    document.getElementById(`${id}-tab-${TABS[next]![0]}`)?.focus();
  };
  return (
    <section className="step-panel" aria-label={`Step ${step.title}`}>
      <h2>{step.title || 'Untitled step'}</h2>
      {status && (
        <p className="muted">
          Last run: <span className={`status status-${status.status.toLowerCase()}`}>{status.status}</span>
          {status.started_at ? ` · ${duration(status.started_at, status.finished_at)}` : ''}
        </p>
      )}
      <div className="tablist" role="tablist" aria-label="step sections" onKeyDown={onKey}>
        {TABS.map(([t, label]) => (
          <button key={t} id={`${id}-tab-${t}`} type="button" role="tab" aria-selected={tab === t} aria-controls={`${id}-panel`} tabIndex={tab === t ? 0 : -1} onClick={() => onTab(t)}>
            {label}
            {count[t] > 0 && <span className="badge danger" aria-hidden="true">{count[t]}</span>}
          </button>
        ))}
      </div>
      <div id={`${id}-panel`} role="tabpanel" aria-labelledby={`${id}-tab-${tab}`} className="tabpanel">
        {tab === 'properties' && <StepJupyter project={project} path={path} pipelineUuid={pipeline.uuid} step={step} />}
        {tab === 'properties' && <StepForm stepKey={stepKey} step={step} problems={problems} onChange={onChange} onRemove={onRemove} />}
        {tab === 'connections' && (
          <>
            <IncomingConnections pipeline={pipeline} stepKey={stepKey} onConnect={onConnect} onDisconnect={onDisconnect} />
            {mine.filter(onConnections).length > 0 && (
              <ul className="error field-error" role="alert">
                {mine.filter(onConnections).map((p, i) => <li key={i}>{p.message}{p.fix ? ` — ${p.fix}` : ''}</li>)}
              </ul>
            )}
          </>
        )}
        {tab === 'logs' && (runUuid && status
          ? <LogPanel key={`${runUuid}/${stepKey}`} title={`${step.title} (run ${runUuid.slice(0, 8)})`} url={stepLogUrl(runUuid, stepKey)} />
          : <p className="empty">This step has not run yet. Select it and press <strong>Run selected</strong> to see its log here.</p>)}
      </div>
    </section>
  );
}
