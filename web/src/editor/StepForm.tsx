import { useEffect, useState } from 'react';
import { jsonPath } from '../../../src/core/json-path.ts';
import type { JsonObject, PipelineStep } from '../../../src/core/pipeline-types.ts';

type Problem = { path: string; message: string; fix?: string };

/** Edits one step's title, file, environment and parameters; each field shows the validator's problems for it. */
export function StepForm({ step, problems, onChange, onRemove, onShowLog }: {
  step: PipelineStep;
  problems: Problem[];
  onChange: (patch: Partial<PipelineStep>) => void;
  onRemove: () => void;
  onShowLog?: () => void;
}) {
  const [params, setParams] = useState(() => JSON.stringify(step.parameters, null, 2));
  const [paramsError, setParamsError] = useState('');
  useEffect(() => {
    setParams(JSON.stringify(step.parameters, null, 2));
    setParamsError('');
  }, [step.uuid, step.parameters]);
  const field = (name: string) => problems.filter((p) => p.path === jsonPath('steps', step.uuid, name) || p.path.startsWith(`${jsonPath('steps', step.uuid, name)}.`));
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
  const editParams = (text: string) => {
    setParams(text);
    try {
      const value = JSON.parse(text) as unknown;
      if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error('parameters must be a JSON object, e.g. {"rows": 5}');
      setParamsError('');
      onChange({ parameters: value as JsonObject });
    } catch (e) {
      setParamsError((e as Error).message);
    }
  };
  const paramError = paramsError || messages('parameters');
  return (
    <form className="step-form" aria-label={`Step ${step.title}`} onSubmit={(e) => e.preventDefault()}>
      <h2>Step</h2>
      {input('title', 'Title')}
      {input('file_path', 'File')}
      {input('environment', 'Environment (uuid)')}
      <div className="field">
        <label htmlFor="step-parameters">Parameters (JSON)</label>
        <textarea id="step-parameters" rows={5} value={params} onChange={(e) => editParams(e.target.value)} aria-invalid={paramError ? true : undefined} aria-describedby={paramError ? 'step-parameters-error' : undefined} />
        {paramError && <p id="step-parameters-error" className="error field-error" role="alert">{paramError}</p>}
      </div>
      {field('incoming_connections').length > 0 && <p className="error" role="alert">{messages('incoming_connections')}</p>}
      <div className="actions">
        {onShowLog && <button type="button" onClick={onShowLog}>Show log</button>}
        <button type="button" className="danger" onClick={onRemove}>Remove step</button>
      </div>
    </form>
  );
}
