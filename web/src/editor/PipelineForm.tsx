import type { JsonObject } from '../../../src/core/pipeline-types.ts';
import { JsonObjectField } from './JsonObjectField.tsx';
import type { Pipeline } from './pipeline-graph.ts';
import { addService, removeService, updateService } from './pipeline-services.ts';
import { ServicesEditor } from './ServicesEditor.tsx';

type Problem = { path: string; message: string; fix?: string };

/** The pipeline's own fields (name, parameters) and its services, shown when no step is selected. */
export function PipelineForm({ project, pipeline, problems, onChange, onEdit }: {
  project: string;
  pipeline: Pipeline;
  problems: Problem[];
  onChange: (patch: { name?: string; parameters?: JsonObject }) => void;
  /** A whole-pipeline edit (the services), recorded for undo like the others. */
  onEdit: (edit: (p: Pipeline) => Pipeline) => void;
}) {
  const at = (path: string) => problems.filter((p) => p.path === path || p.path.startsWith(`${path}.`)).map((p) => `${p.message}${p.fix ? ` — ${p.fix}` : ''}`).join('; ');
  const nameError = at('name');
  return (
    <form className="step-form" aria-label="Pipeline" onSubmit={(e) => e.preventDefault()}>
      <h2>Pipeline</h2>
      <div className="field">
        <label htmlFor="pipeline-name">Name</label>
        <input id="pipeline-name" value={pipeline.name} onChange={(e) => onChange({ name: e.target.value })} aria-invalid={nameError ? true : undefined} aria-describedby={nameError ? 'pipeline-name-error' : undefined} />
        {nameError && <p id="pipeline-name-error" className="error field-error" role="alert">{nameError}</p>}
      </div>
      <JsonObjectField id="pipeline-parameters" label="Pipeline parameters (JSON)" value={pipeline.parameters} problem={at('parameters')} onChange={(parameters) => onChange({ parameters })} />
      <ServicesEditor
        project={project}
        services={pipeline.services ?? {}}
        problems={problems}
        onAdd={(definition) => onEdit((p) => addService(p, definition).pipeline)}
        onChange={(key, patch) => onEdit((p) => updateService(p, key, patch))}
        onRemove={(key) => onEdit((p) => removeService(p, key))}
      />
      <p className="help">Select a step to edit it. Drag from a step's right handle to another's left handle to connect; select a connection and press Delete to remove it.</p>
    </form>
  );
}
