import { useEffect, useState } from 'react';
import { api } from '../api/client.ts';

/** The uuid of the pipeline's newest run (null while unknown or when it never ran), so the graph shows its last status. */
export function useLatestRun(project: string, pipelineUuid: string): string | null {
  const [uuid, setUuid] = useState<string | null>(null);
  useEffect(() => {
    if (!pipelineUuid) return;
    let current = true;
    void api.GET('/api/projects/{project}/runs', { params: { path: { project }, query: { limit: 1, pipeline: pipelineUuid } } }).then((r) => {
      if (current) setUuid(r.data?.runs[0]?.uuid ?? null);
    });
    return () => {
      current = false;
    };
  }, [project, pipelineUuid]);
  return uuid;
}
