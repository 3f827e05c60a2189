import type { Pipeline } from '../editor/pipeline-graph.ts';

/** Candidate values per parameter, as typed: `{pipeline_parameters | step uuid: {name: JSON array text}}`. */
export type GridText = Record<string, Record<string, string>>;
export type Grid = Record<string, Record<string, unknown[]>>;
type Row = { owner: string; ownerLabel: string; name: string };

/** Every parameter of the pipeline and its steps, each starting with its current value as the only candidate. */
export function initialGrid(p: Pipeline): GridText {
  const grid: GridText = {};
  const add = (owner: string, params: Record<string, unknown> | undefined) => {
    for (const [k, v] of Object.entries(params ?? {})) (grid[owner] ??= {})[k] = JSON.stringify([v]);
  };
  add('pipeline_parameters', p.parameters);
  for (const step of Object.values(p.steps)) add(step.uuid, step.parameters);
  return grid;
}

/** The typed grid as values, or the first parameter whose text is not a non-empty JSON array. */
export function parseGrid(text: GridText): { grid: Grid } | { error: string } {
  const grid: Grid = {};
  for (const [owner, params] of Object.entries(text)) {
    for (const [name, raw] of Object.entries(params)) {
      let v: unknown;
      try {
        v = JSON.parse(raw);
      } catch {
        v = undefined;
      }
      if (!Array.isArray(v) || v.length === 0) return { error: `Values of "${name}" must be a JSON array with at least one value, e.g. [1, 2]` };
      (grid[owner] ??= {})[name] = v;
    }
  }
  return { grid };
}

/** One row per parameter: the candidate values (a JSON array) the job's runs take the Cartesian product of. */
export function ParameterGrid({ pipeline, value, onChange }: { pipeline: Pipeline; value: GridText; onChange: (v: GridText) => void }) {
  const rows: Row[] = Object.entries(value).flatMap(([owner, params]) =>
    Object.keys(params).map((name) => ({ owner, name, ownerLabel: owner === 'pipeline_parameters' ? 'pipeline' : (pipeline.steps[owner]?.title ?? owner) })),
  );
  if (rows.length === 0) return <p className="muted">The pipeline and its steps have no parameters: the job runs it once per schedule.</p>;
  return (
    <fieldset>
      <legend>Parameter grid (one run per combination)</legend>
      <table>
        <thead><tr><th scope="col">Of</th><th scope="col">Parameter</th><th scope="col">Values (JSON array)</th></tr></thead>
        <tbody>
          {rows.map((r) => (
            <tr key={`${r.owner}/${r.name}`}>
              <td>{r.ownerLabel}</td>
              <td>{r.name}</td>
              <td><input aria-label={`Values of ${r.ownerLabel} ${r.name}`} value={value[r.owner]![r.name]} onChange={(e) => onChange({ ...value, [r.owner]: { ...value[r.owner], [r.name]: e.target.value } })} /></td>
            </tr>
          ))}
        </tbody>
      </table>
    </fieldset>
  );
}
