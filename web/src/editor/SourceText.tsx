import { useState } from 'react';
import { jsonErrorAt, type JsonErrorAt } from '../../../src/core/json-error-at.ts';

/**
 * A pipeline file that is not JSON (or not a JSON object): its text to repair, the error at its line
 * and column with the lines around it, and "Open in the editor" once it parses.
 */
export function SourceText({ path, text, error, onOpen }: { path: string; text: string; error: JsonErrorAt; onOpen: (doc: Record<string, unknown>) => void }) {
  const [value, setValue] = useState(text);
  const [at, setAt] = useState<JsonErrorAt>(error);
  const open = () => {
    let parsed: unknown;
    try {
      parsed = JSON.parse(value);
    } catch (e) {
      return setAt(jsonErrorAt(value, e instanceof Error ? e.message : String(e)));
    }
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) return setAt({ message: 'a pipeline file must be a JSON object ({"name": …, "steps": {…}})', line: null, column: null });
    onOpen(parsed as Record<string, unknown>);
  };
  const lines = value.split('\n');
  const first = at.line ? Math.max(1, at.line - 2) : 0;
  return (
    <section className="page source-text">
      <h1>{path} is not valid JSON</h1>
      <p role="alert" className="error">
        {at.line ? `Line ${at.line}, column ${at.column}: ` : ''}{at.message}
      </p>
      {at.line !== null && (
        <pre className="json-context" aria-label="where the error is">
          {lines.slice(first - 1, at.line + 2).map((l, i) => {
            const n = first + i;
            return (
              <div key={n} className={n === at.line ? 'json-line bad' : 'json-line'}>
                <span className={n === at.line ? 'json-error-line' : 'json-line-no'}>{n}</span>
                {l}
                {n === at.line && <>{'\n'}<span className="json-caret" aria-hidden="true">{' '.repeat((at.column ?? 1) - 1)}^</span></>}
              </div>
            );
          })}
        </pre>
      )}
      <label htmlFor="source-text">Text of {path}</label>
      <textarea id="source-text" className="code" rows={Math.min(30, Math.max(8, lines.length + 1))} value={value} onChange={(e) => setValue(e.target.value)} spellCheck={false} aria-invalid={true} />
      <div className="actions">
        <button type="button" className="primary" onClick={open}>Open in the editor</button>
      </div>
      <p className="help">Fix the text, then open it in the editor and save: the file is only written when you save there.</p>
    </section>
  );
}
