import { join } from 'node:path';

/**
 * Where a run's steps keep their outputs (BERTH_OUTPUTS_DIR, one sub-folder per step).
 * Interactive runs of one pipeline share the pipeline's folder, as in Orchest: a selection run
 * reads an unselected parent's last output there, and such runs queue so they never write it at
 * once. Any other run (a job run) gets its own folder inside its run folder, so its outputs never
 * mix with another run's. Contract: pure.
 */
export function stepOutputsDir(home: string, run: { kind: string; project_uuid: string; pipeline_uuid: string; run_dir: string }): string {
  if (run.kind === 'interactive') return join(home, 'outputs', run.project_uuid, run.pipeline_uuid);
  return join(run.run_dir, 'outputs');
}
