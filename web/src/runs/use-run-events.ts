import { useEffect, useState } from 'react';
import type { RunReport, Schemas } from '../api/client.ts';
import type { StepStatus } from '../editor/pipeline-graph.ts';

type RunStreamEvent = Schemas['RunStreamEvent'];
export type LiveRun = { uuid: string; status: string; steps: Record<string, StepStatus> };

function fromReport(report: RunReport): LiveRun {
  const steps: Record<string, StepStatus> = {};
  for (const s of report.steps) steps[s.uuid] = { status: s.status, started_at: s.started_at, finished_at: s.finished_at };
  return { uuid: report.run.uuid, status: report.run.status, steps };
}

/** The live state of a run from its event stream (`/api/runs/{run}/events`, SSE; no polling). */
export function useRunEvents(runUuid: string | null): LiveRun | null {
  const [live, setLive] = useState<LiveRun | null>(null);
  useEffect(() => {
    setLive(null);
    if (!runUuid) return;
    const source = new EventSource(`/api/runs/${encodeURIComponent(runUuid)}/events`);
    source.onmessage = (m) => {
      const e = JSON.parse(m.data as string) as RunStreamEvent;
      if (e.type === 'snapshot' || e.type === 'end') {
        setLive(fromReport(e.report));
        if (e.type === 'end') source.close();
        return;
      }
      const now = new Date().toISOString();
      setLive((l) => {
        if (!l) return l;
        if (e.type === 'run-started') return { ...l, status: 'STARTED' };
        if (e.type === 'run-finished') return { ...l, status: e.status };
        if (e.type === 'step-started') return { ...l, steps: { ...l.steps, [e.stepUuid]: { status: 'STARTED', started_at: now, finished_at: null } } };
        if (e.type === 'step-finished') return { ...l, steps: { ...l.steps, [e.stepUuid]: { ...l.steps[e.stepUuid], status: e.status, finished_at: now } } };
        return l;
      });
    };
    source.onerror = () => source.close();
    return () => source.close();
  }, [runUuid]);
  return live;
}
