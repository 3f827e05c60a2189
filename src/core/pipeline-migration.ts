import { defaultServicePort } from './default-service-port.ts';
import { claimUniqueName, makeEnvVarNameValid } from './env-var-name.ts';
import { isJsonObject } from './json-object.ts';
import { fillServiceOrder } from './service-order.ts';

/** Every pipeline file version Berth reads, oldest first; the last is the one it writes. */
export const PIPELINE_VERSIONS = ['1.0.0', '1.1.0', '1.2.0', '1.2.1', '1.2.2', '1.2.3'] as const;
export type PipelineVersion = (typeof PIPELINE_VERSIONS)[number];

type Pipeline = Record<string, unknown>;

/** The change that takes a file from PIPELINE_VERSIONS[i] to PIPELINE_VERSIONS[i + 1]. */
const MIGRATIONS: ReadonlyArray<(p: Pipeline) => void> = [
  migrateFrom100,
  migrateFrom110,
  migrateFrom120,
  () => {}, // 1.2.1 → 1.2.2: no change to the file's structure
  () => {}, // 1.2.2 → 1.2.3: max_steps_parallelism became meaningful; absent stays absent (Berth's default: number of CPUs)
];

/**
 * Brings a parsed pipeline file to the latest version, following Orchest's forward-only migrations
 * (`_orchest/internals/compat.py`). Returns a migrated deep copy; the input is never changed. A
 * missing or empty version means 1.0.0. A version Berth does not know (newer than the latest, or not
 * a version at all) is left as it is for validation to report. Fields Orchest never had (Berth's
 * own additions) are kept. Malformed parts (steps that are not objects…) are skipped, not fixed.
 */
export function migratePipeline(raw: Record<string, unknown>): { pipeline: Record<string, unknown>; fromVersion: string } {
  const pipeline = structuredClone(raw);
  const version = pipeline.version;
  if (version === undefined || version === null || version === '') pipeline.version = PIPELINE_VERSIONS[0];
  const fromVersion = typeof pipeline.version === 'string' ? pipeline.version : JSON.stringify(pipeline.version);
  let index = (PIPELINE_VERSIONS as readonly unknown[]).indexOf(pipeline.version);
  if (index === -1) return { pipeline, fromVersion };
  for (; index < MIGRATIONS.length; index++) {
    MIGRATIONS[index]!(pipeline);
    pipeline.version = PIPELINE_VERSIONS[index + 1];
  }
  return { pipeline, fromVersion };
}

function servicesOf(pipeline: Pipeline): Record<string, unknown>[] {
  return isJsonObject(pipeline.services) ? Object.values(pipeline.services).filter(isJsonObject) : [];
}

/** 1.0.0 → 1.1.0: default parameters; valid env var names in services; the R kernel is "r", not "ir". */
function migrateFrom100(pipeline: Pipeline): void {
  if (pipeline.parameters === undefined) pipeline.parameters = {};
  for (const service of servicesOf(pipeline)) {
    if (isJsonObject(service.env_variables)) {
      const taken = new Set<string>();
      const renamed: Record<string, unknown> = {};
      for (const [name, value] of Object.entries(service.env_variables)) {
        renamed[claimUniqueName(makeEnvVarNameValid(name), taken)] = value;
      }
      service.env_variables = renamed;
    }
    if (Array.isArray(service.env_variables_inherit)) {
      const taken = new Set<string>();
      service.env_variables_inherit = service.env_variables_inherit.map((name: unknown) =>
        typeof name === 'string' ? claimUniqueName(makeEnvVarNameValid(name), taken) : name,
      );
    }
  }
  if (isJsonObject(pipeline.steps)) {
    for (const step of Object.values(pipeline.steps)) {
      if (isJsonObject(step) && isJsonObject(step.kernel) && step.kernel.name === 'ir') step.kernel.name = 'r';
    }
  }
}

/**
 * 1.1.0 → 1.2.0 (Orchest moved from Docker to Kubernetes): services used `entrypoint` for the command
 * and `command` for its arguments, now `command` and `args`; every service needs a port (chosen from
 * the image name when it had none), `exposed` (default false) and `requires_authentication` (default true).
 */
function migrateFrom110(pipeline: Pipeline): void {
  for (const service of servicesOf(pipeline)) {
    if ('entrypoint' in service) {
      if ('command' in service) service.args = service.command;
      service.command = service.entrypoint;
      delete service.entrypoint;
    }
    const ports = service.ports;
    if (ports === undefined || ports === null || (Array.isArray(ports) && ports.length === 0)) {
      service.ports = [defaultServicePort(service.image)];
    }
    if (service.exposed === undefined) service.exposed = false;
    if (service.requires_authentication === undefined) service.requires_authentication = true;
  }
}

/** 1.2.0 → 1.2.1: every service gets a unique `order` (the UI's ordering). */
function migrateFrom120(pipeline: Pipeline): void {
  if (isJsonObject(pipeline.services)) fillServiceOrder(pipeline.services, { bumpDuplicates: true });
}
