import { realpathSync } from 'node:fs';
import type { V1Job } from '@kubernetes/client-node';
import { BerthError } from '../../errors.ts';
import { findEnvironments, loadEnvironment } from '../../environments/environment-loader.ts';
import type { ImageBuildRequest, ImageBuilder } from '../../runtimes/image-builder.ts';
import { KubeImageBuilder } from '../../runtimes/kubernetes/kube-image-builder.ts';
import { kubeYaml } from '../../runtimes/kubernetes/kube-yaml.ts';
import type { CliContext } from '../cli-context.ts';
import { planningImages } from './planning-image-builder.ts';

/**
 * Plans cluster builds: an image counts as there when this installation pushed it (KubeImageBuilder's
 * record), and a build is the builder Job KubeImageBuilder would create — kept, not created; no
 * context is written and nothing is pulled.
 */
class DryRunBuilds implements ImageBuilder {
  readonly jobs: V1Job[] = [];
  readonly #cluster: KubeImageBuilder;

  constructor(cluster: KubeImageBuilder) {
    this.#cluster = cluster;
  }
  hasImage(tag: string): Promise<boolean> {
    return this.#cluster.hasImage(tag);
  }
  async imageId(): Promise<string | null> {
    return null;
  }
  async tag(): Promise<void> {
    throw new Error('a dry run tags no image');
  }
  async pull(): Promise<void> {
    // The builder pulls base images on the cluster.
  }
  async build(request: ImageBuildRequest): Promise<void> {
    this.jobs.push(this.#cluster.builderJob(request));
  }
}

/**
 * `berth env build PATH --runtime kubernetes --dry-run`: the builder Job of every environment of
 * PATH whose image this installation has not pushed yet, as YAML, built by the code a real build
 * uses (EnvironmentImages names the image, KubeImageBuilder makes the Job) — without a cluster.
 */
export async function kubeEnvBuildDryRun(ctx: CliContext, path: string): Promise<number> {
  const { config } = ctx;
  const { settings } = config.kubernetes;
  if (!settings.build) {
    throw new BerthError('BERTH_E_CONFIG', 'without BERTH_KUBE_REGISTRY the kubernetes runtime builds no images on the cluster (they are built on the local Docker engine): there is no builder Job to show', {
      problems: [{ path: 'BERTH_KUBE_REGISTRY', message: 'not set', fix: 'set BERTH_KUBE_REGISTRY=registry.example.com/team (where builder Jobs push), or build with `berth env build PATH` on Docker' }],
    });
  }
  const found = findEnvironments(path);
  const projectDir = realpathSync(found.projectDir);
  const builds = new DryRunBuilds(new KubeImageBuilder({ runBuildJob: () => Promise.reject(new Error('a dry run runs no builder Job')) }, { settings, build: settings.build, home: config.home, installation: config.home }));
  const images = planningImages(config, builds);
  const upToDate: string[] = [];
  for (const uuid of found.uuids) {
    const image = await images.ensure(loadEnvironment(projectDir, uuid), undefined, projectDir);
    if (!image.built) upToDate.push(`${image.name}: ${image.image}`);
  }
  ctx.out(
    kubeYaml(builds.jobs, [
      `berth env build ${path} --runtime kubernetes --dry-run: ${builds.jobs.length} builder Job(s) (${settings.build.builder}) in namespace ${settings.namespace}; nothing was created.`,
      'Each reads its context (context.tar.gz, written by the real build into the folder its volume maps) and pushes to BERTH_KUBE_REGISTRY.',
      ...(upToDate.length > 0 ? [`Pushed already (not built again): ${upToDate.join(', ')}.`] : []),
    ]).trimEnd(),
  );
  return 0;
}
