import { createHash } from 'node:crypto';
import { ORCHEST_BASE_IMAGES } from './orchest-base-images.ts';

/** An Orchest environment (`.orchest/environments/<uuid>/`): a base image plus an optional setup script. */
export interface EnvironmentDefinition {
  uuid: string;
  name: string;
  baseImage: string;
  /** setup_script.sh, or null when the folder has none. */
  setupScript: string | null;
  /** The project folder the environment belongs to: the build context (its files at /project-dir). */
  projectDir?: string;
  /** properties.json's gpu_support: workloads in it get a GPU on runtimes that allocate them (not part of the image). */
  gpuSupport?: boolean;
  /** properties.json's `language` (lower case; python when it has none). */
  language?: string;
  /** The project files the setup script names (requirements.txt, …) by content hash: part of the cache key. */
  setupInputs?: Record<string, string>;
}

/** Bumped when the way images are built changes, so old builds are not reused. */
const RECIPE_VERSION = 2;

/** Where the project's files are in the build context, and where the image has them (Orchest's). */
export const CONTEXT_PROJECT_DIR = 'project';
export const IMAGE_PROJECT_DIR = '/project-dir';

/**
 * The build recipe, as Orchest's: the base image, the project's files copied to /project-dir (the
 * working directory), then `bash < setup_script.sh` there (sh where the image has no bash). As
 * in Orchest the script's exit status is its last command's: no `-e`.
 */
export function environmentDockerfile(env: EnvironmentDefinition): string {
  const lines = [`FROM ${env.baseImage}`];
  if (env.setupScript !== null) {
    lines.push(
      `WORKDIR ${IMAGE_PROJECT_DIR}`,
      `COPY ${CONTEXT_PROJECT_DIR}/ ${IMAGE_PROJECT_DIR}/`,
      'COPY setup_script.sh /berth-env/setup_script.sh',
      'RUN if command -v bash >/dev/null 2>&1; then bash < /berth-env/setup_script.sh; else sh < /berth-env/setup_script.sh; fi',
    );
  }
  return `${lines.join('\n')}\n`;
}

// In a module of its own: config.ts (loaded by every command) needs the table, not node:crypto.
export { ORCHEST_BASE_IMAGES } from './orchest-base-images.ts';

/**
 * The image a `base_image` of properties.json means: `registry:<ref>` is `<ref>` (Orchest's prefix
 * for images outside Docker Hub); a name of the table (Orchest's base images, overridable) is the
 * table's image; anything else is used as it is. Pure.
 */
export function resolveBaseImage(baseImage: string, table: Readonly<Record<string, string>> = ORCHEST_BASE_IMAGES): string {
  const raw = baseImage.trim();
  if (raw.startsWith('registry:')) return raw.slice('registry:'.length).trim();
  const bare = raw.replace(/^docker\.io\//, '');
  return table[bare] ?? raw;
}

/** The files of the build context besides the Dockerfile. */
export function environmentContextFiles(env: EnvironmentDefinition): Record<string, string> {
  return env.setupScript === null ? {} : { 'setup_script.sh': env.setupScript };
}

/**
 * `berth-env/<uuid>:<hash>` of the base image (its local image id when known, so a base image pulled
 * or rebuilt anew gives a new tag), the setup script and the project files it names (`setupInputs`):
 * an unchanged environment maps to the same tag.
 */
export function environmentImageTag(env: EnvironmentDefinition, baseImageId?: string | null): string {
  const base = baseImageId ? `${env.baseImage}@${baseImageId}` : env.baseImage;
  // The project is the build context: each project's environment is its own image.
  // The files the setup script reads (requirements.txt, …) count by content: editing one rebuilds.
  const key: unknown[] = [RECIPE_VERSION, base, env.setupScript, env.projectDir ?? null];
  if (env.setupInputs && Object.keys(env.setupInputs).length > 0) key.push(env.setupInputs);
  const hash = createHash('sha256').update(JSON.stringify(key)).digest('hex').slice(0, 16);
  return `berth-env/${env.uuid.toLowerCase()}:${hash}`;
}

/** A step's image reference `environment@<uuid>` (Orchest's form for services) → the uuid, else null. */
export function environmentReference(image: string): string | null {
  const m = /^environment@(.+)$/.exec(image);
  return m ? m[1]! : null;
}
