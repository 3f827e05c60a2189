import type { Pipeline } from '../editor/pipeline-graph.ts';

export type Combination = Record<string, unknown>;

/** The grid's combinations (dry run), each with a checkbox: unchecked ones are excluded from the job. */
export function CombinationPreview({ combinations, pipeline, excluded, onToggle }: { combinations: Combination[]; pipeline: Pipeline | null; excluded: ReadonlySet<number>; onToggle: (index: number) => void }) {
  const label = (owner: string) => (owner === 'pipeline_parameters' ? 'pipeline' : (pipeline?.steps[owner]?.title ?? owner));
  const runs = combinations.length - excluded.size;
  return (
    <section aria-label="run preview">
      <h3>{runs} run{runs === 1 ? '' : 's'} per schedule</h3>
      {combinations.length > 1 && <p className="help">Uncheck a combination to leave it out of the job.</p>}
      <ol className="combinations">
        {combinations.map((c, i) => {
          const text = Object.entries(c).map(([owner, params]) => `${label(owner)}: ${JSON.stringify(params)}`).join('; ');
          return (
            <li key={i}>
              <label className="check">
                <input type="checkbox" checked={!excluded.has(i)} onChange={() => onToggle(i)} aria-label={`Run combination ${i + 1}`} />
                <code className={excluded.has(i) ? 'excluded' : undefined}>{text}</code>
              </label>
            </li>
          );
        })}
      </ol>
    </section>
  );
}
