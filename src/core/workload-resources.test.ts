import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkWorkloadResources, parseMemorySize, resourceFields, withEnvironmentGpu, workloadResources } from './workload-resources.ts';

const at = (...s: Array<string | number>) => ['steps.s1', ...s].join('.');

function problems(raw: unknown): string[] {
  const out: string[] = [];
  checkWorkloadResources(raw, at, (path) => out.push(path));
  return out;
}

describe('berth_resources (pure)', () => {
  it('reads requests, limits and GPUs; memory in Docker units (powers of 1024) or bytes', () => {
    assert.deepEqual(workloadResources({ requests: { cpus: 0.5, memory: '512m' }, limits: { cpus: 2, memory: '4Gi' }, gpus: 1 }, 'steps.s1'), {
      requests: { cpus: 0.5, memoryBytes: 512 * 2 ** 20 },
      limits: { cpus: 2, memoryBytes: 4 * 2 ** 30 },
      gpus: 1,
    });
    assert.deepEqual(workloadResources(undefined, 'steps.s1'), {});
    assert.deepEqual([parseMemorySize('1.5g'), parseMemorySize('2GiB'), parseMemorySize(1024), parseMemorySize('7 k'), parseMemorySize('10b')], [1.5 * 2 ** 30, 2 * 2 ** 30, 1024, 7 * 1024, 10]);
    assert.deepEqual([parseMemorySize('lots'), parseMemorySize(-1), parseMemorySize('0m'), parseMemorySize(1.5)], [null, null, null, null]);
  });

  it('names every wrong field', () => {
    assert.deepEqual(problems('2 cpus'), ['steps.s1.berth_resources']);
    assert.deepEqual(problems({ limits: { cpus: 0, memory: '1m' }, requests: [], gpus: 0.5, disk: 1 }), [
      'steps.s1.berth_resources.limits.cpus',
      'steps.s1.berth_resources.limits.memory',
      'steps.s1.berth_resources.requests',
      'steps.s1.berth_resources.gpus',
      'steps.s1.berth_resources.disk',
    ]);
    assert.deepEqual(problems({ requests: { cpus: 4, memory: '8g', gpu: 1 }, limits: { cpus: 2, memory: '4g' } }), [
      'steps.s1.berth_resources.requests.gpu',
      'steps.s1.berth_resources.requests.cpus',
      'steps.s1.berth_resources.requests.memory',
    ]);
    assert.throws(() => workloadResources({ gpus: -1 }, 'services.web'), (e: any) => e.code === 'BERTH_E_INVALID_PIPELINE' && e.problems[0].path === 'services.web.berth_resources.gpus' && /whole number/.test(e.message));
  });

  it('a gpu_support environment gives one GPU unless the definition says how many (0: none)', () => {
    assert.deepEqual(withEnvironmentGpu({}, true), { gpus: 1 });
    assert.deepEqual(withEnvironmentGpu({ gpus: 2 }, true), { gpus: 2 });
    assert.deepEqual(resourceFields(withEnvironmentGpu({ gpus: 0 }, true)), {});
    assert.deepEqual(withEnvironmentGpu({}, false), {});
    assert.deepEqual(resourceFields({ requests: {}, limits: { cpus: 1 } }), { limits: { cpus: 1 } });
  });
});
