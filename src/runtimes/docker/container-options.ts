import type { ContainerCreateOptions } from 'dockerode';
import { BerthError } from '../../errors.ts';
import type { RestartPolicyName, WorkloadSpec } from '../driver.ts';
import { logFileLabels, workloadLabels } from './docker-labels.ts';

/**
 * The Engine API create body for a workload (pure). The command replaces the image's entrypoint
 * and command (with spec.imageEntrypoint it is the arguments of the image's entrypoint, or nothing:
 * the image's default command); an empty cwd keeps the image's working directory; an init process
 * (PID 1) forwards the stop signal and reaps children; ports are published on 127.0.0.1 only, on
 * host ports the engine picks (the same numbers with spec.samePortsOnHost). `logOffsets` are the log
 * files' sizes now (see LogFiles).
 */
/** The name a container reaches the Docker host (and so the Berth server) by. */
export const HOST_GATEWAY_NAME = 'host.docker.internal';
const HOST_GATEWAY = `${HOST_GATEWAY_NAME}:host-gateway`;

export function makeContainerOptions(spec: WorkloadSpec, name: string, logOffsets: { offset: number; errOffset: number } = { offset: 0, errOffset: 0 }): ContainerCreateOptions {
  if (!spec.image || spec.image === 'host') {
    throw new BerthError('BERTH_E_INVALID_ARGUMENT', `workload ${spec.id} has no image: the docker runtime runs every workload in a container`, {
      problems: [{ path: 'image', message: 'missing', fix: 'give the step an environment (or berth_image), or set BERTH_DOCKER_IMAGE' }],
    });
  }
  if (spec.command.length === 0 && !spec.imageEntrypoint) {
    throw new BerthError('BERTH_E_DRIVER', `workload ${spec.id} has an empty command`, { problems: [{ path: 'command', message: 'must name a program' }] });
  }
  const ports = spec.ports ?? [];
  const options: ContainerCreateOptions = {
    name,
    Image: spec.image,
    Env: Object.entries(spec.env).map(([k, v]) => `${k}=${v}`),
    Labels: { ...workloadLabels(spec.id, spec.logPath, spec.labels), ...logFileLabels({ path: spec.logPath, errPath: spec.errLogPath, ...logOffsets }) },
    AttachStdin: false,
    AttachStdout: false,
    AttachStderr: false,
    Tty: false,
    HostConfig: {
      Init: true,
      Mounts: (spec.mounts ?? []).map((m) => ({ Type: m.type ?? 'bind', Source: m.source, Target: m.target, ReadOnly: m.readOnly ?? false })),
      PortBindings: Object.fromEntries(ports.map((p) => [`${p}/tcp`, [{ HostIp: '127.0.0.1', HostPort: spec.samePortsOnHost ? String(p) : '' }]])),
      // BERTH_ENDPOINT in a container names the host through this (the default bridge's gateway).
      ExtraHosts: [HOST_GATEWAY],
    },
  };
  if (!spec.imageEntrypoint) options.Entrypoint = [];
  if (spec.command.length > 0) options.Cmd = spec.command;
  if (spec.cwd !== '') options.WorkingDir = spec.cwd;
  if (ports.length > 0) options.ExposedPorts = Object.fromEntries(ports.map((p) => [`${p}/tcp`, {}]));
  if (spec.user) options.User = spec.user;
  if (spec.limits?.cpus !== undefined) options.HostConfig!.NanoCpus = Math.round(spec.limits.cpus * 1e9);
  if (spec.limits?.memoryBytes !== undefined) options.HostConfig!.Memory = spec.limits.memoryBytes;
  if (spec.restart && spec.restart !== 'no') options.HostConfig!.RestartPolicy = restartPolicy(spec.restart);
  if (spec.network) {
    options.HostConfig!.NetworkMode = spec.network.name;
    options.NetworkingConfig = { EndpointsConfig: { [spec.network.name]: { Aliases: spec.network.aliases ?? [] } } };
  }
  return options;
}

/** Docker's restart policy for ours: "always" is unless-stopped, so a stop by Berth stays stopped. */
export function restartPolicy(policy: RestartPolicyName): { Name: string } {
  return { Name: policy === 'always' ? 'unless-stopped' : policy === 'on-failure' ? 'on-failure' : 'no' };
}
