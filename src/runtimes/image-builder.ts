/** Builds images from a recipe (vendor-free: the docker driver folder has the Engine API implementation). */
export interface ImageBuildRequest {
  tag: string;
  /** Dockerfile text. */
  dockerfile: string;
  /** Other files of the build context, by relative path. */
  files: Record<string, string>;
  /** Files of a host folder added to the context under `prefix/` (symbolic links stay links). */
  folder?: { root: string; files: string[]; prefix: string };
  labels: Record<string, string>;
  /** Where the whole build output is written. */
  logPath: string;
  /** Each line of build output as it comes. */
  onProgress?: (line: string) => void;
}

export interface ImageBuilder {
  /** Whether the image exists locally. */
  hasImage(tag: string): Promise<boolean>;
  /** The local image's id, or null when it is not there. */
  imageId(name: string): Promise<string | null>;
  /** Gives an existing image one more name (repository:tag). */
  tag(image: string, as: string): Promise<void>;
  /**
   * Pulls an image, each progress line to `onProgress`; rejects with BERTH_E_IMAGE_NOT_FOUND saying
   * which image and how to provide it when it cannot be pulled.
   */
  pull(image: string, onProgress?: (line: string) => void): Promise<void>;
  /** Builds and tags the image; rejects with BERTH_E_ENV_BUILD naming the log when the build fails. */
  build(request: ImageBuildRequest): Promise<void>;
}
