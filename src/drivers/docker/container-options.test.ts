import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { isBerthError } from '../../errors.ts';
import type { WorkloadSpec } from '../driver.ts';
import { containerName } from './container-name.ts';
import { makeContainerOptions } from './container-options.ts';
import { ownerFilter, parseWorkloadLabels, workloadLabels } from './docker-labels.ts';
import { inspectPorts, toDockerHandle } from './docker-handle.ts';

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
        NetworkMode: 'berth-session-s',
      },
      NetworkingConfig: { EndpointsConfig: { 'berth-session-s': { Aliases: ['db'] } } },
    });
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
});
