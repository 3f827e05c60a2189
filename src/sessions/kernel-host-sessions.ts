import type { BerthConfig } from '../config/config.ts';
import { loadPipeline } from '../projects/pipeline-loader.ts';
import type { SessionRepository } from '../store/session-repository.ts';
import type { KernelHostSessions } from './kernel-host-launcher.ts';
import { dockerKernelHostImage, dockerKernelHostSpec } from './session-jupyter-docker.ts';

/**
 * What the server's KernelHostLauncher asks of the store about Docker sessions (decision 0021): which
 * run (so it adopts their kernel hosts and removes those of sessions no longer active), whether one
 * still runs right after a start, and an environment's kernel host workload (decision 0018), built
 * as a step's container would be: the session's project and pipeline variables, its mounts.
 */
export function kernelHostSessions(deps: { config: BerthConfig; rows: SessionRepository; inherited: (projectUuid: string, pipelineUuid: string) => Promise<Record<string, string>> }): KernelHostSessions {
  const { config, rows } = deps;
  return {
    list: () => rows.statusesOn('docker'),
    isRunning: async (uuid) => (await rows.get(uuid))?.status === 'RUNNING',
    spec: async (uuid, environment) => {
      const row = await rows.get(uuid);
      const image = dockerKernelHostImage(config.home, uuid, environment);
      if (row?.status !== 'RUNNING' || image === null) return null;
      const loaded = loadPipeline(row.pipeline_file);
      const inherited = await deps.inherited(row.project_uuid, row.pipeline_uuid);
      return dockerKernelHostSpec(config, { sessionUuid: uuid, projectUuid: row.project_uuid, pipelineUuid: row.pipeline_uuid, pipelineFile: loaded.file, projectDir: loaded.projectDir, inherited }, environment, image);
    },
  };
}
