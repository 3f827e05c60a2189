import { useEffect, useState } from 'react';

/**
 * A comma-separated list typed as text (ports): the text stays as typed while it means the same list,
 * and follows outside changes (undo). Whole numbers become numbers; anything else is passed on as
 * typed so the validator's message shows on the field.
 */
export function ListField({ id, label, value, problem, onChange }: { id: string; label: string; value: Array<number | string>; problem: string; onChange: (v: Array<number | string>) => void }) {
  const [text, setText] = useState(() => value.join(', '));
  useEffect(() => {
    setText((current) => (JSON.stringify(parseList(current)) === JSON.stringify(value) ? current : value.join(', ')));
  }, [value]);
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <input id={id} value={text} onChange={(e) => (setText(e.target.value), onChange(parseList(e.target.value)))} aria-invalid={problem ? true : undefined} aria-describedby={problem ? `${id}-error` : undefined} />
      {problem && <p id={`${id}-error`} className="error field-error" role="alert">{problem}</p>}
    </div>
  );
}

function parseList(text: string): Array<number | string> {
  return text.split(',').map((x) => x.trim()).filter(Boolean).map((x) => (/^\d+$/.test(x) ? Number(x) : x));
}
