import type Docker from 'dockerode';
import type { WorkloadStats } from '../driver.ts';

/**
 * The Engine API's stats sample of a container as Berth's cumulative WorkloadStats (pure). Memory is
 * counted as `docker stats` does: usage minus the inactive page cache (cgroup v1 and v2 names).
 * `limits` is the container's HostConfig (NanoCpus, Memory: 0 = none).
 */
export function toWorkloadStats(sample: Docker.ContainerStats, limits: { NanoCpus?: number; Memory?: number } = {}): WorkloadStats {
  const memory = sample.memory_stats ?? ({} as Partial<Docker.MemoryStats>);
  const detail = (memory.stats ?? {}) as Partial<Record<string, number>>;
  const inactive = detail.total_inactive_file ?? detail.inactive_file ?? 0;
  const usage = memory.usage ?? 0;
  let read = 0;
  let write = 0;
  for (const entry of sample.blkio_stats?.io_service_bytes_recursive ?? []) {
    const op = entry.op.toLowerCase();
    if (op === 'read') read += entry.value;
    else if (op === 'write') write += entry.value;
  }
  return {
    cpuSeconds: (sample.cpu_stats?.cpu_usage?.total_usage ?? 0) / 1e9,
    memoryBytes: usage > inactive ? usage - inactive : usage,
    memoryLimitBytes: limits.Memory ? limits.Memory : (memory.limit ?? 0),
    memoryLimited: (limits.Memory ?? 0) > 0,
    cpuLimit: limits.NanoCpus ? limits.NanoCpus / 1e9 : null,
    blockReadBytes: read,
    blockWriteBytes: write,
    pids: sample.pids_stats?.current ?? 0,
  };
}
