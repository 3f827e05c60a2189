import { join, resolve, dirname } from 'node:path';
import { EnvironmentImages } from '../../environments/environment-images.ts';
import { BerthError } from '../../errors.ts';
import { loadPipeline } from '../../projects/pipeline-loader.ts';
import { ContainerStepRuntime } from '../../runs/container-step-runtime.ts';
import type { ImageBuilder } from '../../runtimes/image-builder.ts';
import { kubeYaml } from '../../runtimes/kubernetes/kube-yaml.ts';
import { workloadObjects } from '../../runtimes/kubernetes/workload-objects.ts';
import type { CliContext } from '../cli-context.ts';

/** Stands for the run that a real `berth run` would create (its uuid is made then). */
const RUN = 'dry-run';

/**
 * `berth run FILE --runtime kubernetes --dry-run`: every object the kubernetes runtime would create
 * for the pipeline's steps, as YAML, built by the same code a run uses (ContainerStepRuntime for the
 * workload specs, the runtime's pure builders for the objects) — without a cluster and without
 * creating a run. Environment images are named by the tag a build would give them; none is built.
 */
export async function kubeDryRun(ctx: CliContext, file: string, env: Record<string, string>, job: boolean): Promise<number> {
  const { config } = ctx;
  const loaded = loadPipeline(file);
  const { pipeline, projectDir } = loaded;
  const projectUuid = 'dry-run-project';
  const runDir = join(config.home, 'runs', RUN);
  // prepareStep only builds the spec: no driver is used, so none is opened (there may be no cluster).
  const runtime = new ContainerStepRuntime(config, null as never, new EnvironmentImages(new PlanningImageBuilder(), join(config.home, 'builds')), 'kubernetes');
  const objects: object[] = [];
  const claims = new Map<string, object>();
  for (const step of Object.values(pipeline.steps)) {
    const prepared = await runtime.prepareStep({
      id: `${RUN}-${step.uuid}`,
      labels: { project: projectUuid, pipeline: pipeline.uuid, run: RUN, step: step.uuid, installation: config.home },
      logPath: join(runDir, `${step.uuid}.log`),
      step,
      file: resolve(dirname(loaded.file), step.file_path),
      projectDir,
      runDir,
      identity: {
        projectUuid,
        projectDir,
        pipelineUuid: pipeline.uuid,
        pipelinePath: join(runDir, 'pipeline.json'),
        stepUuid: step.uuid,
        stepTitle: step.title,
        runUuid: RUN,
        sessionUuid: RUN,
        sessionType: job ? 'noninteractive' : 'interactive',
        dataDir: config.dataDir,
        stepParameters: step.parameters,
        pipelineParameters: pipeline.parameters,
      },
      runEnv: env,
      outputsDir: join(runDir, 'outputs'),
      notebookOut: join(runDir, 'notebooks', `${step.uuid}.ipynb`),
    });
    if (!prepared.ok) throw new BerthError('BERTH_E_INVALID_PIPELINE', prepared.reason, { problems: [{ path: `steps.${step.uuid}`, message: prepared.reason }] });
    const built = workloadObjects(prepared.spec, { settings: config.kubernetes.settings, installation: config.home });
    for (const claim of built.claims) claims.set((claim.metadata as { name: string }).name, claim);
    objects.push(built.workload);
    if (built.service) objects.push(built.service, ...built.aliases);
  }
  ctx.out(
    kubeYaml([...claims.values(), ...objects], [
      `berth run ${file} --runtime kubernetes --dry-run: ${objects.length} object(s) in namespace ${config.kubernetes.settings.namespace}; nothing was created.`,
      `"${RUN}" stands for the run's uuid; environment images are named by their build tag and were not built.`,
    ]).trimEnd(),
  );
  return 0;
}

/** Plans image names only: every image counts as present (nothing is pulled or built), base image ids as unknown. */
class PlanningImageBuilder implements ImageBuilder {
  async hasImage(): Promise<boolean> {
    return true;
  }
  async imageId(): Promise<string | null> {
    return null;
  }
  async tag(): Promise<void> {
    throw new Error('a dry run tags no image');
  }
  async build(): Promise<void> {
    throw new Error('a dry run builds no image');
  }
  async pull(): Promise<void> {
    throw new Error('a dry run pulls no image');
  }
}

