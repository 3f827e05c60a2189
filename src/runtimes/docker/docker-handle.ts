import type Docker from 'dockerode';
import { BerthError } from '../../errors.ts';
import type { WorkloadHandle } from '../driver.ts';
import { parseWorkloadLabels } from './docker-labels.ts';

/**
 * What a docker handle's opaque `state` holds: the container (id and name), `port:<n>` = published
 * host port, `ip` = the container's address on its network (informational: the host reaches
 * containers through published ports) and, from an inspect, `command` = the argv it runs (JSON).
 */
export interface DockerState {
  container: string;
  name: string;
}

/** A published port as the Engine API reports it (inspect and list shapes reduced to this). */
export interface PublishedPort {
  containerPort: number;
  hostPort: number;
}

export interface ContainerFacts {
  id: string;
  name: string;
  labels: Record<string, string> | undefined;
  ports: PublishedPort[];
  ip?: string;
  command?: string[];
}

export function toDockerHandle(container: ContainerFacts): WorkloadHandle | null {
  const parsed = parseWorkloadLabels(container.labels);
  if (!parsed) return null;
  const state: WorkloadHandle['state'] = { container: container.id, name: container.name.replace(/^\//, '') };
  for (const p of [...container.ports].sort((a, b) => a.containerPort - b.containerPort)) state[`port:${p.containerPort}`] = p.hostPort;
  if (container.ip) state.ip = container.ip;
  if (container.command) state.command = JSON.stringify(container.command);
  return { id: parsed.id, driver: 'docker', labels: parsed.owner, logPath: parsed.logPath, state };
}

export function dockerState(handle: WorkloadHandle): DockerState {
  const { container, name } = handle.state;
  if (handle.driver !== 'docker' || typeof container !== 'string' || typeof name !== 'string') {
    throw new BerthError('BERTH_E_DRIVER', `handle of workload ${handle.id} was not made by the docker driver (driver "${handle.driver}")`, {
      details: { id: handle.id, driver: handle.driver },
    });
  }
  return { container, name };
}

/** Published ports from an inspect's NetworkSettings.Ports (`{"8080/tcp": [{HostIp, HostPort}]}`). */
export function inspectPorts(ports: Record<string, Array<{ HostIp: string; HostPort: string }> | null> | undefined): PublishedPort[] {
  const out: PublishedPort[] = [];
  for (const [key, bindings] of Object.entries(ports ?? {})) {
    const binding = bindings?.find((b) => b.HostIp === '127.0.0.1') ?? bindings?.[0];
    if (binding) out.push({ containerPort: Number.parseInt(key, 10), hostPort: Number(binding.HostPort) });
  }
  return out;
}

/** The facts a handle is made of, from a container inspect. */
export function inspectFacts(info: Docker.ContainerInspectInfo): ContainerFacts {
  return {
    id: info.Id,
    name: info.Name,
    labels: info.Config.Labels,
    ports: inspectPorts(info.NetworkSettings.Ports),
    ip: containerIp(info.NetworkSettings),
    command: [info.Path, ...(info.Args ?? [])],
  };
}

/** The container's address: the default bridge's, else the first network's that has one. */
export function containerIp(settings: { IPAddress?: string; Networks?: Record<string, { IPAddress?: string }> } | undefined): string | undefined {
  if (settings?.IPAddress) return settings.IPAddress;
  return Object.values(settings?.Networks ?? {}).find((n) => n.IPAddress)?.IPAddress || undefined;
}
