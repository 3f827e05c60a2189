import type { Engine } from '../../engine/engine.ts';
import { readPipelineFile } from '../../projects/pipeline-loader.ts';
import { stopProjectWork } from '../../engine/stop-project-work.ts';
import type { Project } from '../../store/project-repository.ts';

export type ProjectView = Project;

/** What `berth project` and `berth pipeline rm` use: the local store, or a server's project routes. */
export interface ProjectBackend {
  list(): Promise<ProjectView[]>;
  update(ref: string, patch: { name?: string; path?: string }): Promise<ProjectView>;
  /** 409 (BERTH_E_CONFLICT) while the project has active work, unless `force`. */
  remove(ref: string, opts: { force: boolean }): Promise<ProjectView>;
  /** Deletes a local pipeline file through its project (registered on first use, as runs do). */
  removePipeline(pipelinePath: string): Promise<{ project: string; path: string; uuid: string | null }>;
}

/** The in-process backend: the engine's store; project services (server-only) cannot be stopped from here. */
export function localProjects(engine: Engine): ProjectBackend {
  const catalog = engine.projects;
  return {
    list: () => catalog.list(),
    update: async (ref, patch) => catalog.update(await catalog.find(ref), patch),
    remove: async (ref, opts) => catalog.remove(await catalog.find(ref), { force: opts.force, stop: (work) => stopProjectWork(engine, work, null) }),
    removePipeline: async (pipelinePath) => {
      const file = readPipelineFile(pipelinePath);
      const project = await catalog.ensure(file.projectDir);
      return { project: project.name, ...(await catalog.removePipeline(project, file.relativePath)) };
    },
  };
}
