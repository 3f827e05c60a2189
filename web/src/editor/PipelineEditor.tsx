import { useEffect, useState } from 'react';
import { api, errorText } from '../api/client.ts';
import { editablePipeline } from './editable-pipeline.ts';
import { GraphEditor, type Problem } from './GraphEditor.tsx';
import { withPositions, type Pipeline } from './pipeline-graph.ts';
import { SourceText } from './SourceText.tsx';

type Loaded =
  | { kind: 'loading' }
  | { kind: 'failed'; message: string }
  | { kind: 'text'; text: string; error: { message: string; line: number | null; column: number | null } }
  | { kind: 'graph'; pipeline: Pipeline; problems: Problem[]; unsaved: boolean };

/**
 * Opens one pipeline file (the App keys this component by project + path, so nothing of another
 * file survives a route change): valid or not, as a graph with its problems where they are, or — when
 * it is not JSON — as text with the error's line and column. A save writes only what was loaded here.
 */
export function PipelineEditor({ project, path }: { project: string; path: string }) {
  const [loaded, setLoaded] = useState<Loaded>({ kind: 'loading' });
  useEffect(() => {
    let current = true;
    void api.GET('/api/projects/{project}/pipelines/{pipeline}/source', { params: { path: { project, pipeline: path } } }).then((r) => {
      if (!current) return;
      if (!r.data) return setLoaded({ kind: 'failed', message: errorText(r.error) });
      const { document, json_error, text, problems } = r.data;
      if (document) setLoaded({ kind: 'graph', pipeline: withPositions(editablePipeline(document)), problems, unsaved: false });
      else setLoaded({ kind: 'text', text, error: json_error ?? { message: problems[0]?.message ?? 'not a JSON object', line: null, column: null } });
    });
    return () => {
      current = false;
    };
  }, [project, path]);

  if (loaded.kind === 'loading') return <section className="page"><p className="loading">Loading…</p></section>;
  if (loaded.kind === 'failed') return <section className="page"><p role="alert" className="error">{loaded.message}</p></section>;
  if (loaded.kind === 'text') {
    return <SourceText path={path} text={loaded.text} error={loaded.error} onOpen={(doc) => setLoaded({ kind: 'graph', pipeline: withPositions(editablePipeline(doc)), problems: [], unsaved: true })} />;
  }
  return <GraphEditor project={project} path={path} initial={loaded.pipeline} initialProblems={loaded.problems} unsaved={loaded.unsaved} />;
}
