import { join, resolve, dirname } from 'node:path';
import { BerthError } from '../../errors.ts';
import { loadPipeline } from '../../projects/pipeline-loader.ts';
import { ContainerStepRuntime } from '../../runs/container-step-runtime.ts';
import { projectNameOf } from '../../projects/pipeline-loader.ts';
import { kubeYaml } from '../../runtimes/kubernetes/kube-yaml.ts';
import type { CliContext } from '../cli-context.ts';
import { DryRunObjects, sessionServiceSpecs } from './kube-service-objects.ts';
import { planningImages } from './planning-image-builder.ts';

/** Stands for the run that a real `berth run` would create (its uuid is made then). */
const RUN = 'dry-run';

/**
 * `berth run FILE --runtime kubernetes --dry-run`: every object the kubernetes runtime would create
 * for the pipeline's steps, as YAML, built by the same code a run uses (ContainerStepRuntime for the
 * workload specs, the runtime's pure builders for the objects) — without a cluster and without
 * creating a run. Environment images are named by the tag a build would give them; none is built.
 * A job run (`job`) also starts the pipeline's noninteractive-scope services: their objects come first.
 */
export async function kubeDryRun(ctx: CliContext, file: string, env: Record<string, string>, job: boolean): Promise<number> {
  const { config } = ctx;
  const loaded = loadPipeline(file);
  const { pipeline, projectDir } = loaded;
  const projectUuid = 'dry-run-project';
  const runDir = join(config.home, 'runs', RUN);
  // prepareStep only builds the spec: no driver is used, so none is opened (there may be no cluster).
  const images = planningImages(config);
  const runtime = new ContainerStepRuntime(config, null as never, images, 'kubernetes');
  const objects = new DryRunObjects();
  if (job) {
    for (const spec of await sessionServiceSpecs(config, loaded, 'noninteractive', { sessionUuid: RUN, projectUuid, projectName: projectNameOf(projectDir) }, images)) objects.add(config, spec);
  }
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
    objects.add(config, prepared.spec);
  }
  ctx.out(
    kubeYaml(objects.all(), [
      `berth run ${file} --runtime kubernetes --dry-run: ${objects.count} object(s) in namespace ${config.kubernetes.settings.namespace}; nothing was created.`,
      `"${RUN}" stands for the run's uuid; environment images are named by their build tag and were not built.`,
    ]).trimEnd(),
  );
  return 0;
}
