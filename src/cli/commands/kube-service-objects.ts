import { join } from 'node:path';
import type { BerthConfig } from '../../config/config.ts';
import { environmentReference } from '../../core/environment-image.ts';
import type { ServiceScope } from '../../core/pipeline-types.ts';
import type { EnvironmentImages } from '../../environments/environment-images.ts';
import { loadEnvironment } from '../../environments/environment-loader.ts';
import type { LoadedPipeline } from '../../projects/pipeline-loader.ts';
import type { WorkloadSpec } from '../../runtimes/driver.ts';
import { workloadObjects } from '../../runtimes/kubernetes/workload-objects.ts';
import { sessionServiceSpec } from '../../sessions/session-service-spec.ts';

/** Objects of a dry run, claims apart (several workloads may share one; each is printed once). */
export class DryRunObjects {
  readonly #claims = new Map<string, object>();
  readonly #objects: object[] = [];

  /** The workload's objects as the kubernetes driver would create them. */
  add(config: BerthConfig, spec: WorkloadSpec): void {
    // The installation label, as ManagedDriver gives every workload it starts.
    const labeled = { ...spec, labels: { ...spec.labels, installation: config.home } };
    const built = workloadObjects(labeled, { settings: config.kubernetes.settings, installation: config.home });
    for (const claim of built.claims) this.#claims.set(claim.metadata!.name!, claim);
    this.#objects.push(built.workload);
    if (built.service) this.#objects.push(built.service, ...built.aliases);
  }

  get count(): number {
    return this.#claims.size + this.#objects.length;
  }

  all(): object[] {
    return [...this.#claims.values(), ...this.#objects];
  }
}

export interface SessionPlaceholders {
  sessionUuid: string;
  projectUuid: string;
  projectName: string;
}

/**
 * The specs of the pipeline's services of `scope`, in their order, as SessionManager starts them on
 * an isolating runtime (sessionServiceSpec): environment@<uuid> images named by their build tag
 * (`images` plans, builds nothing), GPUs for gpu_support environments. Project and pipeline
 * variables are not read (they live in Berth's store): inherited variables are left out.
 */
export async function sessionServiceSpecs(config: BerthConfig, loaded: LoadedPipeline, scope: ServiceScope, at: SessionPlaceholders, images: EnvironmentImages): Promise<WorkloadSpec[]> {
  const services = Object.values(loaded.pipeline.services ?? {})
    .filter((s) => s.scope.includes(scope))
    .sort((a, b) => (a.order ?? 0) - (b.order ?? 0));
  const specs: WorkloadSpec[] = [];
  for (const def of services) {
    const uuid = environmentReference(def.image);
    const env = uuid === null ? null : loadEnvironment(loaded.projectDir, uuid);
    const image = env ? (await images.ensure(env, undefined, loaded.projectDir)).image : def.image;
    specs.push(
      sessionServiceSpec(def, {
        sessionUuid: at.sessionUuid, sessionType: scope, projectUuid: at.projectUuid, projectName: at.projectName, pipelineUuid: loaded.pipeline.uuid,
        pipelinePath: `/project-dir/${loaded.relativePath}`, projectDir: loaded.projectDir, dataDir: config.dataDir, isolated: true, image,
        gpuSupport: env?.gpuSupport === true, inherited: {}, base: {}, logPath: join(config.home, 'sessions', at.sessionUuid, `${def.name}.log`),
      }),
    );
  }
  return specs;
}
