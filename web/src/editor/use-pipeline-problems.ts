import { useEffect, useState } from 'react';
import { api, type Ok } from '../api/client.ts';
import type { Pipeline } from './pipeline-graph.ts';

type Problem = Ok<'/api/projects/{project}/pipelines/validate', 'post'>['problems'][number];

/**
 * The server validator's problems for the document being edited (`initial` until re-checked,
 * shortly after each edit), and the document they were found in (`checked`: the loaded one at first),
 * so a caller can tell whether they are about the current document yet.
 */
export function usePipelineProblems(project: string, path: string, pipeline: Pipeline, initial: Problem[] = []): { problems: Problem[]; checked: Pipeline } {
  const [result, setResult] = useState<{ problems: Problem[]; checked: Pipeline }>({ problems: initial, checked: pipeline });
  useEffect(() => {
    let current = true;
    const timer = setTimeout(() => {
      void api.POST('/api/projects/{project}/pipelines/validate', { params: { path: { project } }, body: { pipeline: pipeline as unknown as Record<string, never>, path } }).then((r) => {
        if (current && r.data) setResult({ problems: r.data.problems, checked: pipeline });
      });
    }, 250);
    return () => {
      current = false;
      clearTimeout(timer);
    };
  }, [project, path, pipeline]);
  return result;
}
