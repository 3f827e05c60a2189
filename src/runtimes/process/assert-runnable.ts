import { BerthError } from '../../errors.ts';
import type { WorkloadSpec } from '../driver.ts';
import { cgroupLimitsProblem } from './cgroup-limits.ts';

/** Throws BERTH_E_RUNTIME_UNSUPPORTED (naming the field) for what the process runtime cannot run. */
export function assertRunnable(spec: WorkloadSpec): void {
  if (spec.image !== undefined && spec.image !== 'host') {
    throw unsupported('image', `the process runtime runs commands on the host and cannot use image "${spec.image}"`);
  }
  if (spec.limits?.cpus !== undefined || spec.limits?.memoryBytes !== undefined) {
    throw unsupported('limits', `the process runtime cannot limit CPU or memory: ${cgroupLimitsProblem()}`);
  }
  for (const m of spec.mounts ?? []) {
    if (m.type === 'volume' || m.readOnly) throw unsupported('mounts', `the process runtime can bind host folders only (not ${m.type === 'volume' ? `volume ${m.source}` : `read-only ${m.target}`})`);
    if (!m.target.startsWith('/') || m.target === '/' || m.target.split('/').includes('..')) throw unsupported('mounts', `mount target "${m.target}" must be an absolute path below /`);
  }
  if (spec.command.length === 0) {
    throw new BerthError('BERTH_E_DRIVER', `workload ${spec.id} has an empty command`, { problems: [{ path: 'command', message: 'must name a program' }] });
  }
}

export function unsupported(field: string, message: string): BerthError {
  return new BerthError('BERTH_E_RUNTIME_UNSUPPORTED', `${message} (${field}) — use the docker runtime`, {
    problems: [{ path: field, message, fix: 'use the docker runtime, or drop the field to run on the host' }],
  });
}
