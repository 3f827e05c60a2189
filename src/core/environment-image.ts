import { createHash } from 'node:crypto';

/** An Orchest environment (`.orchest/environments/<uuid>/`): a base image plus an optional setup script. */
export interface EnvironmentDefinition {
  uuid: string;
  name: string;
  baseImage: string;
  /** setup_script.sh, or null when the folder has none. */
  setupScript: string | null;
}

/** Bumped when the way images are built changes, so old builds are not reused. */
const RECIPE_VERSION = 1;

/** The build recipe: the base image, then the setup script run by bash when the image has it, else sh. */
export function environmentDockerfile(env: EnvironmentDefinition): string {
  const lines = [`FROM ${env.baseImage}`];
  if (env.setupScript !== null) {
    lines.push(
      'COPY setup_script.sh /berth-env/setup_script.sh',
      'RUN if command -v bash >/dev/null 2>&1; then bash -e /berth-env/setup_script.sh; else sh -e /berth-env/setup_script.sh; fi',
    );
  }
  return `${lines.join('\n')}\n`;
}

/** The files of the build context besides the Dockerfile. */
export function environmentContextFiles(env: EnvironmentDefinition): Record<string, string> {
  return env.setupScript === null ? {} : { 'setup_script.sh': env.setupScript };
}

/**
 * `berth-env/<uuid>:<hash>` of the base image (its local image id when known, so a base image pulled
 * or rebuilt anew gives a new tag) and the setup script: an unchanged environment maps to the same tag.
 */
export function environmentImageTag(env: EnvironmentDefinition, baseImageId?: string | null): string {
  const base = baseImageId ? `${env.baseImage}@${baseImageId}` : env.baseImage;
  const hash = createHash('sha256').update(JSON.stringify([RECIPE_VERSION, base, env.setupScript])).digest('hex').slice(0, 16);
  return `berth-env/${env.uuid.toLowerCase()}:${hash}`;
}

/** A step's image reference `environment@<uuid>` (Orchest's form for services) → the uuid, else null. */
export function environmentReference(image: string): string | null {
  const m = /^environment@(.+)$/.exec(image);
  return m ? m[1]! : null;
}
