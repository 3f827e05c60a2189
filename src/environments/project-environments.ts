import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BuildQueue, BuildView } from './build-queue.ts';
import { readOrchestEnvironments } from './orchest-environments.ts';

export interface ProjectEnvironment {
  uuid: string;
  name: string;
  language: string;
  base_image: string;
  gpu_support: boolean;
  has_setup_script: boolean;
  /** Why properties.json could not be read, if it could not. */
  problem: string | null;
  /** The pipelines with a step that uses this environment. */
  pipelines: Array<{ path: string; name: string | null; steps: number }>;
  /** The newest build of its image for this project, if any. */
  build: BuildView | null;
}

const MAX_BUILDS_SCANNED = 1000;

/**
 * A project's environments (Orchest's `.orchest/environments/<uuid>/`), each with the pipelines
 * whose steps use it and its newest image build for this project.
 */
export async function projectEnvironments(projectDir: string, pipelineFiles: string[], builds: BuildQueue): Promise<ProjectEnvironment[]> {
  const uses = new Map<string, ProjectEnvironment['pipelines']>();
  for (const path of pipelineFiles) {
    let doc: { name?: unknown; steps?: unknown };
    try {
      doc = JSON.parse(readFileSync(join(projectDir, path), 'utf8')) as typeof doc;
    } catch {
      continue;
    }
    if (!doc || typeof doc.steps !== 'object' || doc.steps === null) continue;
    const count = new Map<string, number>();
    for (const step of Object.values(doc.steps as Record<string, { environment?: unknown }>)) {
      if (step && typeof step.environment === 'string' && step.environment !== '') count.set(step.environment, (count.get(step.environment) ?? 0) + 1);
    }
    for (const [env, steps] of count) uses.set(env, [...(uses.get(env) ?? []), { path, name: typeof doc.name === 'string' ? doc.name : null, steps }]);
  }
  const { builds: recent } = await builds.list({ limit: MAX_BUILDS_SCANNED });
  return readOrchestEnvironments(projectDir).map((e) => ({
    uuid: e.uuid,
    name: e.name,
    language: e.language,
    base_image: e.baseImage,
    gpu_support: e.gpuSupport,
    has_setup_script: e.hasSetupScript,
    problem: e.problem ?? null,
    pipelines: uses.get(e.uuid) ?? [],
    build: recent.find((b) => b.environment_uuid === e.uuid && (b.project_dir === null || b.project_dir === projectDir)) ?? null,
  }));
}

/** An environment as clients see it (API and CLI): its newest build without server paths. */
export type EnvironmentView = Omit<ProjectEnvironment, 'build'> & {
  build: Pick<BuildView, 'uuid' | 'image' | 'status' | 'reason' | 'created_at' | 'started_at' | 'finished_at'> | null;
};

export function environmentView({ build, ...e }: ProjectEnvironment): EnvironmentView {
  return { ...e, build: build && { uuid: build.uuid, image: build.image, status: build.status, reason: build.reason, created_at: build.created_at, started_at: build.started_at, finished_at: build.finished_at } };
}
