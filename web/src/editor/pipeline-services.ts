import type { ServiceDefinition } from '../../../src/core/pipeline-types.ts';
import type { Pipeline } from './pipeline-graph.ts';

/** Pure edits of a pipeline's `services` (Orchest's format: keyed by name, `name` equal to the key). */

/** A template's definition added under its name (or `name-2`, `name-3` … when taken), after the others in `order`. */
export function addService(p: Pipeline, definition: ServiceDefinition): { pipeline: Pipeline; name: string } {
  const services = p.services ?? {};
  let name = definition.name;
  for (let i = 2; services[name]; i++) name = `${definition.name}-${i}`;
  const order = Math.max(-1, ...Object.values(services).map((s) => (typeof s.order === 'number' ? s.order : -1))) + 1;
  return { pipeline: { ...p, services: { ...services, [name]: { ...structuredClone(definition), name, order } } }, name };
}

/** Changes fields of one service; `undefined` values remove the field. Renaming keeps its place in the file. */
export function updateService(p: Pipeline, key: string, patch: Partial<ServiceDefinition>): Pipeline {
  const services = p.services ?? {};
  const current = services[key];
  if (!current) return p;
  const next: ServiceDefinition = { ...current, ...patch };
  for (const [k, v] of Object.entries(patch)) if (v === undefined) delete next[k];
  const newKey = typeof patch.name === 'string' && patch.name !== '' && patch.name !== key && !services[patch.name] ? patch.name : key;
  const out: Record<string, ServiceDefinition> = {};
  for (const [k, s] of Object.entries(services)) out[k === key ? newKey : k] = k === key ? next : s;
  return { ...p, services: out };
}

export function removeService(p: Pipeline, key: string): Pipeline {
  const { [key]: _gone, ...rest } = p.services ?? {};
  return { ...p, services: rest };
}

/** The service fields the editor shows (with their problems on the field). */
export const EDITED_SERVICE_FIELDS = ['name', 'image', 'command', 'args', 'ports', 'env_variables', 'scope', 'exposed', 'requires_authentication'] as const;
const ON_A_FIELD = new RegExp(`^services(\\.[A-Za-z0-9_-]+|\\[".*?"\\])\\.(${EDITED_SERVICE_FIELDS.join('|')})\\b`);

/** Whether a problem's path is shown on one of the editor's service fields (the rest go to the problem list). */
export function isOnServiceField(path: string): boolean {
  return ON_A_FIELD.test(path);
}
