import { loadPipeline, projectNameOf } from '../../projects/pipeline-loader.ts';
import { kubeYaml } from '../../runtimes/kubernetes/kube-yaml.ts';
import { parseServiceDefinition } from '../../services/service-definition.ts';
import type { CliContext } from '../cli-context.ts';
import { DryRunObjects, sessionServiceSpecs } from './kube-service-objects.ts';
import { planningImages } from './planning-image-builder.ts';

/** Stands for the session's uuid (made when the session starts). */
const SESSION = 'dry-run';
/** Stands for the project token a deploy makes (its secret exists only then). */
const TOKEN = '<project token made by the deploy>';

/**
 * `berth session start FILE --runtime kubernetes --dry-run`: the objects of every interactive-scope
 * service, in their order, as the kubernetes runtime would create them (SessionManager's specs,
 * the runtime's builders) — without a cluster, a store or a session. Each service is a Deployment
 * with a Service on its ports (and one named <service>-<session uuid>), its named volumes claims.
 */
export async function kubeSessionDryRun(ctx: CliContext, file: string): Promise<number> {
  const { config } = ctx;
  const loaded = loadPipeline(file);
  const images = planningImages(config);
  const objects = new DryRunObjects();
  const at = { sessionUuid: SESSION, projectUuid: 'dry-run-project', projectName: projectNameOf(loaded.projectDir) };
  const specs = await sessionServiceSpecs(config, loaded, 'interactive', at, images);
  for (const spec of specs) objects.add(config, spec);
  ctx.out(
    kubeYaml(objects.all(), [
      `berth session start ${file} --runtime kubernetes --dry-run: ${specs.length} service(s), ${objects.count} object(s) in namespace ${config.kubernetes.settings.namespace}; nothing was created.`,
      `"${SESSION}" stands for the session's uuid; project and pipeline variables (env_variables_inherit) are not read; environment images are named by their build tag and were not built.`,
    ]).trimEnd(),
  );
  return 0;
}

/**
 * `berth service deploy --project P --file SERVICE.json --runtime kubernetes --dry-run`: the objects
 * of a project service as the kubernetes runtime would create them, from the spec ServiceManager
 * deploys (its project from this Berth's store), without a cluster and without deploying.
 */
export async function kubeServiceDryRun(ctx: CliContext, projectRef: string, body: unknown, opts: { image?: string; name?: string }): Promise<number> {
  const { config } = ctx;
  const engine = await ctx.engine();
  const project = await engine.projects.find(projectRef);
  const def = parseServiceDefinition(body, opts);
  const objects = new DryRunObjects();
  objects.add(config, engine.services.workloadSpec(project, def, TOKEN, 'kubernetes'));
  ctx.out(
    kubeYaml(objects.all(), [
      `berth service deploy --project ${project.name} --runtime kubernetes --dry-run: service "${def.name}", ${objects.count} object(s) in namespace ${config.kubernetes.settings.namespace}; nothing was created.`,
      `BERTH_API_TOKEN / LAB_API_TOKEN stand for the project token the deploy makes; BERTH_ENDPOINT is Berth's API as pods reach it (BERTH_KUBE_ENDPOINT).`,
    ]).trimEnd(),
  );
  return 0;
}
