import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** One environment of an Orchest project (`.orchest/environments/<uuid>/properties.json`). */
export interface OrchestEnvironment {
  uuid: string;
  name: string;
  language: string;
  baseImage: string;
  gpuSupport: boolean;
  /** The environment's setup script has commands (not only comments and blank lines). */
  hasSetupScript: boolean;
  /** Why properties.json could not be read, if it could not. */
  problem?: string;
}

/** Reads every environment folder of a project; a broken one is returned with its problem. */
export function readOrchestEnvironments(projectDir: string): OrchestEnvironment[] {
  const root = join(projectDir, '.orchest', 'environments');
  if (!existsSync(root)) return [];
  const out: OrchestEnvironment[] = [];
  for (const uuid of readdirSync(root).sort()) {
    const dir = join(root, uuid);
    if (!statSync(dir).isDirectory()) continue;
    const env: OrchestEnvironment = { uuid, name: uuid, language: 'python', baseImage: '', gpuSupport: false, hasSetupScript: false };
    const script = join(dir, 'setup_script.sh');
    if (existsSync(script)) env.hasSetupScript = readFileSync(script, 'utf8').split('\n').some((l) => l.trim() !== '' && !l.trim().startsWith('#'));
    try {
      const props = JSON.parse(readFileSync(join(dir, 'properties.json'), 'utf8')) as Record<string, unknown>;
      if (typeof props.name === 'string') env.name = props.name;
      if (typeof props.language === 'string') env.language = props.language;
      if (typeof props.base_image === 'string') env.baseImage = props.base_image;
      env.gpuSupport = props.gpu_support === true;
    } catch (e) {
      env.problem = `properties.json cannot be read: ${e instanceof Error ? e.message : String(e)}`;
    }
    out.push(env);
  }
  return out;
}
