import { javascript } from '@codemirror/lang-javascript';
import { python } from '@codemirror/lang-python';
import { keymap } from '@codemirror/view';
import { basicSetup, EditorView } from 'codemirror';
import { useEffect, useRef, useState } from 'react';
import { readFileText, writeFile } from '../files/project-files.ts';

/** The editor's language for a file name (none for other kinds: plain text). */
function languageOf(path: string) {
  if (/\.py$/i.test(path)) return [python()];
  if (/\.(m?js|cjs|ts)$/i.test(path)) return [javascript({ typescript: /\.ts$/i.test(path) })];
  return [];
}

/**
 * A step's script in an editor pane (CodeMirror 6): loaded and saved through the project file API
 * (Save, or Ctrl/Cmd-S), with the unsaved state shown.
 */
export function ScriptEditor({ project, path, onClose }: { project: string; path: string; onClose: () => void }) {
  const host = useRef<HTMLDivElement>(null);
  const view = useRef<EditorView | null>(null);
  const [state, setState] = useState<'loading' | 'saved' | 'unsaved' | 'saving'>('loading');
  const [error, setError] = useState('');
  const save = async () => {
    if (!view.current) return;
    setState('saving');
    const failed = await writeFile(project, path, new Blob([view.current.state.doc.toString()]), true);
    if (failed) {
      setError(`Not saved: ${failed}`);
      return setState('unsaved');
    }
    setError('');
    setState('saved');
  };
  const saveRef = useRef(save);
  saveRef.current = save;
  useEffect(() => {
    let gone = false;
    void readFileText(project, path).then((r) => {
      if (gone || !host.current) return;
      if ('error' in r) {
        setError(`Cannot open ${path}: ${r.error}`);
        return;
      }
      view.current = new EditorView({
        parent: host.current,
        doc: r.text,
        extensions: [
          basicSetup,
          ...languageOf(path),
          keymap.of([{ key: 'Mod-s', preventDefault: true, run: () => (void saveRef.current(), true) }]),
          EditorView.updateListener.of((u) => {
            if (u.docChanged) setState('unsaved');
          }),
          EditorView.contentAttributes.of({ 'aria-label': `contents of ${path}` }),
        ],
      });
      setState('saved');
    });
    return () => {
      gone = true;
      view.current?.destroy();
      view.current = null;
    };
  }, [project, path]);
  return (
    <section className="script-editor" aria-label={`editor of ${path}`}>
      <header>
        <strong>{path}</strong> <span className="muted" data-testid="script-state">{state === 'unsaved' ? 'unsaved changes' : state}</span>
        <button type="button" onClick={() => void save()} disabled={state !== 'unsaved'}>Save</button>
        <button type="button" onClick={onClose}>Close editor</button>
      </header>
      {error && <p role="alert" className="error">{error}</p>}
      <div ref={host} className="script-editor-view" />
    </section>
  );
}
