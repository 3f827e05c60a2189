import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import type { EnvironmentDefinition } from '../core/environment-image.ts';
import { BerthError } from '../errors.ts';
import { setupScriptInputs } from './setup-script-inputs.ts';

const ENV_UUID = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;

/** The folder of environment `uuid` in a project. */
export function environmentDir(projectDir: string, uuid: string): string {
  return join(projectDir, '.orchest', 'environments', uuid);
}

/**
 * Reads `.orchest/environments/<uuid>/` (properties.json with base_image, optional setup_script.sh),
 * with the content hashes of the project files its setup script names (its cache key covers them).
 */
export function loadEnvironment(projectDir: string, uuid: string): EnvironmentDefinition {
  if (!ENV_UUID.test(uuid)) {
    throw new BerthError('BERTH_E_INVALID_ARGUMENT', `"${uuid}" is not an environment uuid`, {
      problems: [{ path: 'environment', message: 'letters, digits, "-" and "_" only', fix: 'use the uuid of a folder under .orchest/environments/' }],
    });
  }
  const dir = environmentDir(projectDir, uuid);
  const propertiesPath = join(dir, 'properties.json');
  if (!existsSync(propertiesPath)) {
    throw new BerthError('BERTH_E_ENV_NOT_FOUND', `environment ${uuid} not found: no ${propertiesPath}`, {
      problems: [{ path: 'environment', message: `no environment ${uuid} in ${projectDir}`, fix: `create ${propertiesPath} with {"base_image": "…"}, or pick an existing environment` }],
    });
  }
  let properties: unknown;
  try {
    properties = JSON.parse(readFileSync(propertiesPath, 'utf8'));
  } catch (e) {
    throw invalid(propertiesPath, 'is not valid JSON', `fix the JSON (${e instanceof Error ? e.message : String(e)})`);
  }
  const p = properties as { base_image?: unknown; name?: unknown; gpu_support?: unknown; language?: unknown };
  if (typeof p !== 'object' || p === null || typeof p.base_image !== 'string' || p.base_image.trim() === '') {
    throw invalid(propertiesPath, 'base_image must be a non-empty string', 'set "base_image" to an image name, e.g. "python:3.12-slim"');
  }
  const scriptPath = join(dir, 'setup_script.sh');
  const setupScript = existsSync(scriptPath) ? readFileSync(scriptPath, 'utf8') : null;
  return {
    uuid,
    name: typeof p.name === 'string' ? p.name : uuid,
    baseImage: p.base_image.trim(),
    setupScript,
    projectDir,
    gpuSupport: p.gpu_support === true,
    language: typeof p.language === 'string' && p.language.trim() ? p.language.trim().toLowerCase() : 'python',
    setupInputs: setupScriptInputs(projectDir, setupScript),
  };
}

/**
 * What `berth env build PATH` means by PATH: an environment folder (one environment) or a project
 * folder (all of its environments). Returns the project folder and the environment uuids.
 */
export function findEnvironments(path: string): { projectDir: string; uuids: string[] } {
  const abs = resolve(path);
  if (!existsSync(abs) || !statSync(abs).isDirectory()) {
    throw new BerthError('BERTH_E_ENV_NOT_FOUND', `no folder at ${path}`, {
      problems: [{ path: 'PATH', message: `${abs} is not a folder`, fix: 'pass a project folder or a folder under .orchest/environments/' }],
    });
  }
  if (existsSync(join(abs, 'properties.json')) && basename(dirname(abs)) === 'environments') {
    return { projectDir: dirname(dirname(dirname(abs))), uuids: [basename(abs)] };
  }
  const envsDir = join(abs, '.orchest', 'environments');
  const uuids = existsSync(envsDir) ? readdirSync(envsDir).filter((u) => existsSync(join(envsDir, u, 'properties.json'))).sort() : [];
  if (uuids.length === 0) {
    throw new BerthError('BERTH_E_ENV_NOT_FOUND', `${path} has no environments`, {
      problems: [{ path: 'PATH', message: `no .orchest/environments/<uuid>/properties.json under ${abs}`, fix: 'pass a project folder with environments, or an environment folder' }],
    });
  }
  return { projectDir: abs, uuids };
}

function invalid(file: string, message: string, fix: string): BerthError {
  return new BerthError('BERTH_E_INVALID_ARGUMENT', `${file}: ${message}`, { problems: [{ path: 'base_image', message, fix }] });
}
