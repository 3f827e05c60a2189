import { duration } from './duration.ts';

type Step = { uuid: string; title: string; status: string; started_at: string | null; finished_at: string | null };

/**
 * A Gantt chart of a run's steps: one bar per step from its start to its end (now, while it runs),
 * on a time axis from the run's start — where the time went, at a glance. A bar selects its step.
 */
export function RunTimeline({ steps, start, end, selected, onSelect, now = Date.now(), other }: {
  steps: Step[];
  start: string | null;
  end: string | null;
  selected: string | null;
  onSelect: (uuid: string) => void;
  now?: number;
  /** Another run of the pipeline, drawn under each step on the same axis (both from their own start). */
  other?: { label: string; steps: Step[]; start: string | null; end: string | null };
}) {
  const origin = (st: string | null, ss: Step[]) => (st ? Date.parse(st) : Math.min(...ss.filter((s) => s.started_at).map((s) => Date.parse(s.started_at!)), now));
  const lastOf = (en: string | null, ss: Step[]) => Math.max(en ? Date.parse(en) : now, ...ss.map((s) => (s.finished_at ? Date.parse(s.finished_at) : s.started_at ? now : 0)));
  const t0 = origin(start, steps);
  const o0 = other ? origin(other.start, other.steps) : 0;
  const span = Math.max(1, lastOf(end, steps) - t0, other ? lastOf(other.end, other.steps) - o0 : 0);
  const pct = (ms: number) => `${Math.max(0, Math.min(100, (ms / span) * 100)).toFixed(2)}%`;
  const ticks = [0, 0.25, 0.5, 0.75, 1];
  const order = [...steps].sort((a, b) => (a.started_at ? Date.parse(a.started_at) : Infinity) - (b.started_at ? Date.parse(b.started_at) : Infinity));
  return (
    <figure className="timeline" aria-label="timeline">
      <figcaption className="sr-only">Each step's start and duration from the run's start</figcaption>
      <div className="timeline-axis" aria-hidden="true">
        {ticks.map((t) => <span key={t} style={{ left: `${t * 100}%` }}>{(t * span / 1000).toFixed(span < 10_000 ? 1 : 0)} s</span>)}
      </div>
      <ol className="timeline-rows">
        {order.map((s) => {
          const from = s.started_at ? Date.parse(s.started_at) - t0 : null;
          const to = s.started_at ? (s.finished_at ? Date.parse(s.finished_at) : now) - t0 : null;
          const took = s.started_at ? duration(s.started_at, s.finished_at, now) : 'did not run';
          const o = other?.steps.find((x) => x.uuid === s.uuid);
          const oFrom = o?.started_at ? Date.parse(o.started_at) - o0 : null;
          const oTo = o?.started_at ? (o.finished_at ? Date.parse(o.finished_at) : now) - o0 : null;
          const oTook = other ? (o?.started_at ? duration(o.started_at, o.finished_at, now) : 'did not run') : '';
          return (
            <li key={s.uuid} className={selected === s.uuid ? 'selected' : ''}>
              <button type="button" className="timeline-label" onClick={() => onSelect(s.uuid)} aria-pressed={selected === s.uuid} aria-label={`${s.title}: ${s.status}, ${took}${other ? `; ${other.label}: ${o?.status ?? 'not in that run'}, ${oTook}` : ''}`}>
                {s.title}
              </button>
              <div className="timeline-track">
                {from !== null && to !== null && (
                  <span className={`timeline-bar bg-${s.status.toLowerCase()}${other ? ' half' : ''}`} style={{ left: pct(from), width: `max(3px, ${pct(to - from)})` }} title={`${s.title}: ${took}`} />
                )}
                {o && oFrom !== null && oTo !== null && (
                  <span className={`timeline-bar other bg-${o.status.toLowerCase()}`} style={{ left: pct(oFrom), width: `max(3px, ${pct(oTo - oFrom)})` }} title={`${other!.label}: ${oTook}`} />
                )}
              </div>
              <span className="timeline-took">{took}{other && <><br /><span className="muted">{oTook}</span></>}</span>
            </li>
          );
        })}
      </ol>
    </figure>
  );
}
