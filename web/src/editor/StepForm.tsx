import { jsonPath } from '../../../src/core/json-path.ts';
import type { PipelineStep } from '../../../src/core/pipeline-types.ts';
import { JsonObjectField } from './JsonObjectField.tsx';

type Problem = { path: string; message: string; fix?: string };

/** Edits one step's title, file, environment and parameters; each field shows the validator's problems for it. */
export function StepForm({ stepKey, step, problems, onChange, onRemove }: {
  stepKey: string;
  step: PipelineStep;
  problems: Problem[];
  onChange: (patch: Partial<PipelineStep>) => void;
  onRemove: () => void;
}) {
  const field = (name: string) => problems.filter((p) => p.path === jsonPath('steps', stepKey, name) || p.path.startsWith(`${jsonPath('steps', stepKey, name)}.`) || p.path.startsWith(`${jsonPath('steps', stepKey, name)}[`));
  const messages = (name: string) => field(name).map((p) => `${p.message}${p.fix ? ` — ${p.fix}` : ''}`).join('; ');
  const input = (name: 'title' | 'file_path' | 'environment', label: string) => {
    const id = `step-${name}`;
    const error = messages(name);
    return (
      <div className="field">
        <label htmlFor={id}>{label}</label>
        <input id={id} value={step[name]} onChange={(e) => onChange({ [name]: e.target.value })} aria-invalid={error ? true : undefined} aria-describedby={error ? `${id}-error` : undefined} />
        {error && <p id={`${id}-error`} className="error field-error" role="alert">{error}</p>}
      </div>
    );
  };
  return (
    <form className="step-form" aria-label={`Step ${step.title}`} onSubmit={(e) => e.preventDefault()}>
      {input('title', 'Title')}
      {input('file_path', 'File')}
      {input('environment', 'Environment (uuid)')}
      <JsonObjectField id="step-parameters" label="Parameters (JSON)" value={step.parameters} problem={messages('parameters')} onChange={(parameters) => onChange({ parameters })} />
      <div className="actions">
        <button type="button" className="danger" onClick={onRemove}>Remove step</button>
      </div>
    </form>
  );
}
