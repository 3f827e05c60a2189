import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { isBerthError } from '../../errors.ts';
import type { WorkloadSpec } from '../driver.ts';
import { containerName } from './container-name.ts';
import { makeContainerOptions } from './container-options.ts';
import { ownerFilter, parseLogFiles, parseWorkloadLabels, workloadLabels } from './docker-labels.ts';
import { containerIp, inspectPorts, toDockerHandle } from './docker-handle.ts';
import { toWorkloadStats } from './container-stats.ts';

const spec: WorkloadSpec = {
  id: 'run-1-step-a',
  command: ['python3', '/project-dir/a.py', 'two words'],
  cwd: '/project-dir',
  env: { A: '1', B: 'x=y' },
  labels: { project: 'p', run: 'r', step: 'a', installation: '/home/u/.berth' },
  image: 'berth-test/python:1',
  mounts: [{ source: '/srv/proj', target: '/project-dir' }, { source: 'pgdata', target: '/var/lib/postgresql/data', type: 'volume', readOnly: true }],
  ports: [8080, 5432],
  network: { name: 'berth-session-s', aliases: ['db'] },
  user: '1000:1000',
  logPath: '/home/u/.berth/runs/r/logs/a.log',
};

describe('makeContainerOptions', () => {
  test('maps every spec field to the Engine API create body', () => {
    assert.deepEqual(makeContainerOptions(spec, 'berth-x-run-1-step-a'), {
      name: 'berth-x-run-1-step-a',
      Image: 'berth-test/python:1',
      Entrypoint: [],
      Cmd: ['python3', '/project-dir/a.py', 'two words'],
      Env: ['A=1', 'B=x=y'],
      WorkingDir: '/project-dir',
      Labels: {
        'berth.managed': 'true',
        'berth.id': 'run-1-step-a',
        'berth.log-path': '/home/u/.berth/runs/r/logs/a.log',
        'berth.owner.project': 'p',
        'berth.owner.run': 'r',
        'berth.owner.step': 'a',
        'berth.owner.installation': '/home/u/.berth',
        'berth.log-offset': '0',
      },
      AttachStdin: false,
      AttachStdout: false,
      AttachStderr: false,
      Tty: false,
      ExposedPorts: { '8080/tcp': {}, '5432/tcp': {} },
      User: '1000:1000',
      HostConfig: {
        Init: true,
        Mounts: [
          { Type: 'bind', Source: '/srv/proj', Target: '/project-dir', ReadOnly: false },
          { Type: 'volume', Source: 'pgdata', Target: '/var/lib/postgresql/data', ReadOnly: true },
        ],
        PortBindings: { '8080/tcp': [{ HostIp: '127.0.0.1', HostPort: '' }], '5432/tcp': [{ HostIp: '127.0.0.1', HostPort: '' }] },
        ExtraHosts: ['host.docker.internal:host-gateway'],
        NetworkMode: 'berth-session-s',
      },
      NetworkingConfig: { EndpointsConfig: { 'berth-session-s': { Aliases: ['db'] } } },
    });
  });

  test('imageEntrypoint keeps the image\'s entrypoint (and its default arguments for an empty command); an empty cwd keeps its working directory', () => {
    const base = { ...spec, cwd: '', imageEntrypoint: true, ports: [], network: undefined };
    const withArgs = makeContainerOptions({ ...base, command: ['a', 'b'] }, 'n');
    assert.equal('Entrypoint' in withArgs, false);
    assert.deepEqual(withArgs.Cmd, ['a', 'b']);
    assert.equal('WorkingDir' in withArgs, false);
    const bare = makeContainerOptions({ ...base, command: [] }, 'n');
    assert.equal('Entrypoint' in bare, false);
    assert.equal('Cmd' in bare, false);
    assert.throws(() => makeContainerOptions({ ...spec, command: [] }, 'n'), (e: unknown) => isBerthError(e) && e.problems[0]?.path === 'command');
  });

  test('samePortsOnHost publishes each port on its own number; stderr\'s file and the log offsets are labels', () => {
    const options = makeContainerOptions({ ...spec, samePortsOnHost: true, errLogPath: '/l/a.err' }, 'n', { offset: 12, errOffset: 34 });
    assert.deepEqual(options.HostConfig?.PortBindings, { '8080/tcp': [{ HostIp: '127.0.0.1', HostPort: '8080' }], '5432/tcp': [{ HostIp: '127.0.0.1', HostPort: '5432' }] });
    assert.deepEqual(parseLogFiles(options.Labels), { path: spec.logPath, errPath: '/l/a.err', offset: 12, errOffset: 34 });
    assert.deepEqual(parseLogFiles(workloadLabels('w', '/l/w.log', {})), { path: '/l/w.log', offset: 0, errOffset: 0 }, 'containers from before the offset labels');
  });

  test('limits are NanoCpus and Memory; requests and GPUs (a cluster\'s scheduling) add nothing', () => {
    const limited = makeContainerOptions({ ...spec, limits: { cpus: 1.5, memoryBytes: 512 * 2 ** 20 }, requests: { cpus: 0.5, memoryBytes: 2 ** 28 }, gpus: 1 }, 'c');
    const plain = makeContainerOptions(spec, 'c');
    assert.deepEqual(limited, { ...plain, HostConfig: { ...plain.HostConfig, NanoCpus: 1_500_000_000, Memory: 512 * 2 ** 20 } });
  });

  test('a spec without an image is a coded error naming the field and the fix', () => {
    assert.throws(
      () => makeContainerOptions({ ...spec, image: undefined }, 'n'),
      (e: unknown) => isBerthError(e) && e.problems[0]?.path === 'image' && /BERTH_DOCKER_IMAGE/.test(e.problems[0]?.fix ?? ''),
    );
  });
});

describe('docker labels, names and handles', () => {
  test('labels round-trip and the list filter names every owner key', () => {
    const labels = workloadLabels('w1', '/logs/w1.log', { run: 'r', step: 's' });
    assert.deepEqual(parseWorkloadLabels(labels), { id: 'w1', logPath: '/logs/w1.log', owner: { run: 'r', step: 's' } });
    assert.equal(parseWorkloadLabels({ 'com.example': 'x' }), null);
    assert.deepEqual(ownerFilter({ run: 'r', step: undefined }), ['berth.id', 'berth.owner.run=r']);
  });

  test('container names are valid, per installation, and stable', () => {
    assert.equal(containerName('abc', '/h1'), containerName('abc', '/h1'));
    assert.notEqual(containerName('abc', '/h1'), containerName('abc', '/h2'));
    const odd = containerName('a/b c', '/h1');
    assert.match(odd, /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/);
    assert.notEqual(odd, containerName('a-b-c', '/h1'));
  });

  test('handles carry the container and its ports published on 127.0.0.1', () => {
    const ports = inspectPorts({ '8080/tcp': [{ HostIp: '0.0.0.0', HostPort: '1' }, { HostIp: '127.0.0.1', HostPort: '49153' }], '9/udp': null });
    assert.deepEqual(ports, [{ containerPort: 8080, hostPort: 49153 }]);
    const handle = toDockerHandle({ id: 'c1', name: '/berth-x-w1', labels: workloadLabels('w1', '/l', { run: 'r' }), ports });
    assert.deepEqual(handle, { id: 'w1', driver: 'docker', labels: { run: 'r' }, logPath: '/l', state: { container: 'c1', name: 'berth-x-w1', 'port:8080': 49153 } });
  });

  test('handles carry the container\'s IP and, from an inspect, the command it runs', () => {
    assert.equal(containerIp({ IPAddress: '', Networks: { n: { IPAddress: '' }, m: { IPAddress: '10.0.0.7' } } }), '10.0.0.7');
    assert.equal(containerIp({ IPAddress: '172.17.0.2' }), '172.17.0.2');
    assert.equal(containerIp({ Networks: {} }), undefined);
    const handle = toDockerHandle({ id: 'c1', name: 'n', labels: workloadLabels('w1', '/l', {}), ports: [], ip: '172.17.0.2', command: ['sh', '-c', 'x y'] });
    assert.deepEqual(handle?.state, { container: 'c1', name: 'n', ip: '172.17.0.2', command: '["sh","-c","x y"]' });
  });
});

describe('toWorkloadStats', () => {
  test('cumulative CPU seconds, memory without the inactive page cache, block I/O by direction, pids', () => {
    const sample = {
      read: '', preread: '', num_procs: 0, networks: {}, precpu_stats: {},
      cpu_stats: { cpu_usage: { total_usage: 2_500_000_000 } },
      memory_stats: { usage: 10_000, limit: 1_000_000, stats: { total_inactive_file: 4_000 } },
      blkio_stats: { io_service_bytes_recursive: [{ major: 8, minor: 0, op: 'Read', value: 100 }, { major: 8, minor: 0, op: 'Write', value: 7 }, { major: 8, minor: 16, op: 'read', value: 1 }, { major: 8, minor: 0, op: 'Total', value: 108 }] },
      pids_stats: { current: 3 },
    } as unknown as Parameters<typeof toWorkloadStats>[0];
    assert.deepEqual(toWorkloadStats(sample), { cpuSeconds: 2.5, memoryBytes: 6_000, memoryLimitBytes: 1_000_000, memoryLimited: false, cpuLimit: null, blockReadBytes: 101, blockWriteBytes: 7, pids: 3 });
    assert.deepEqual([toWorkloadStats(sample, { NanoCpus: 1_500_000_000, Memory: 64 * 2 ** 20 })].map((s) => [s.cpuLimit, s.memoryLimitBytes, s.memoryLimited]), [[1.5, 64 * 2 ** 20, true]]);
    const v2 = { ...sample, memory_stats: { usage: 5_000, limit: 9_000, stats: { inactive_file: 1_000 } } } as typeof sample;
    assert.equal(toWorkloadStats(v2).memoryBytes, 4_000);
  });
});
