import { join } from 'node:path';
import type { BerthConfig } from '../../config/config.ts';
import { EnvironmentImages } from '../../environments/environment-images.ts';
import type { ImageBuilder } from '../../runtimes/image-builder.ts';

/** Plans image names only: every image counts as present (nothing is pulled or built), base image ids as unknown. */
export class PlanningImageBuilder implements ImageBuilder {
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


/** Environment images as a dry run names them: by their build tag, under BERTH_KUBE_REGISTRY when the cluster builds them. */
export function planningImages(config: BerthConfig, builder: ImageBuilder = new PlanningImageBuilder()): EnvironmentImages {
  return new EnvironmentImages(builder, join(config.home, 'builds'), { registry: config.kubernetes.settings.build?.registry, baseImages: config.orchestImages });
}
