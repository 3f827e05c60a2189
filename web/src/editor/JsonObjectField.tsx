import { useEffect, useState } from 'react';
import type { JsonObject } from '../../../src/core/pipeline-types.ts';

/** A JSON-object text field (parameters): parse errors and the validator's message show on the field. */
export function JsonObjectField({ id, label, value, problem, onChange }: { id: string; label: string; value: JsonObject; problem: string; onChange: (v: JsonObject) => void }) {
  const [text, setText] = useState(() => JSON.stringify(value, null, 2));
  const [parseError, setParseError] = useState('');
  // Follow outside changes (undo, another step) without reformatting what is being typed.
  useEffect(() => {
    setText((current) => (sameJson(current, value) ? current : JSON.stringify(value, null, 2)));
  }, [value]);
  const edit = (next: string) => {
    setText(next);
    try {
      const parsed = JSON.parse(next) as unknown;
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('must be a JSON object, e.g. {"rows": 5}');
      setParseError('');
      onChange(parsed as JsonObject);
    } catch (e) {
      setParseError((e as Error).message);
    }
  };
  const error = parseError || problem;
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <textarea id={id} rows={5} value={text} onChange={(e) => edit(e.target.value)} aria-invalid={error ? true : undefined} aria-describedby={error ? `${id}-error` : undefined} />
      {error && <p id={`${id}-error`} className="error field-error" role="alert">{error}</p>}
    </div>
  );
}

function sameJson(text: string, value: JsonObject): boolean {
  try {
    return JSON.stringify(JSON.parse(text)) === JSON.stringify(value);
  } catch {
    return false;
  }
}
