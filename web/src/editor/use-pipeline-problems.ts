import { useEffect, useState } from 'react';
import { api, type Ok } from '../api/client.ts';
import type { Pipeline } from './pipeline-graph.ts';

type Problem = Ok<'/api/projects/{project}/pipelines/validate', 'post'>['problems'][number];

/** The server validator's problems for the document being edited (`initial` until re-checked, shortly after each edit). */
export function usePipelineProblems(project: string, path: string, pipeline: Pipeline | null, initial: Problem[] = []): Problem[] {
  const [problems, setProblems] = useState<Problem[]>(initial);
  useEffect(() => {
    if (!pipeline) return;
    let current = true;
    const timer = setTimeout(() => {
      void api.POST('/api/projects/{project}/pipelines/validate', { params: { path: { project } }, body: { pipeline: pipeline as unknown as Record<string, never>, path } }).then((r) => {
        if (current && r.data) setProblems(r.data.problems);
      });
    }, 250);
    return () => {
      current = false;
      clearTimeout(timer);
    };
  }, [project, path, pipeline]);
  return problems;
}
