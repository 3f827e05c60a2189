import { loadPipeline } from './pipeline-definition.ts';
import { ServiceNotFound } from './sdk-errors.ts';
import { servicesHost, sessionUuid } from './step-context.ts';

/** A service as Orchest described it to steps: its definition without `scope`, plus where to reach it. */
export type ServiceInfo = Record<string, unknown> & {
  name: string;
  internal_hostname: string;
  external_urls: Record<string, string>;
  base_paths: Record<string, string>;
};

/** Every service of the pipeline, whatever its scope, as Orchest's SDK listed them in both session types. */
function specs() {
  return { ...(loadPipeline().services ?? {}) };
}

function describe(spec: ReturnType<typeof specs>[string]): ServiceInfo {
  const { scope: _scope, ...rest } = structuredClone(spec);
  const session = sessionUuid();
  const external_urls: Record<string, string> = {};
  const base_paths: Record<string, string> = {};
  for (const port of spec.ports ?? []) {
    const prefix = `${spec.preserve_base_path ? 'pbp-' : ''}service-${spec.name}-${session}_${port}`;
    base_paths[port] = `/${prefix}`;
    external_urls[port] = `http://{host_name}:{port}/${prefix}`;
  }
  return { ...rest, name: spec.name, internal_hostname: servicesHost() ?? `${spec.name}-${session}`, external_urls, base_paths };
}

/** One service of this session by name; throws ServiceNotFound when there is none. */
export function getService(name: string): ServiceInfo {
  const all = specs();
  const spec = all[name];
  if (!spec) throw new ServiceNotFound(`Could not find service with name ${name} (this session's services: ${Object.keys(all).sort().join(', ') || 'none'})`);
  return describe(spec);
}

/** Every service of the pipeline (whatever its scope, as Orchest's SDK), by name. */
export function getServices(): Record<string, ServiceInfo> {
  return Object.fromEntries(Object.entries(specs()).map(([name, spec]) => [name, describe(spec)]));
}
