import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isBerthError } from '../errors.ts';
import { dockerConnection, loadConfig } from './config.ts';

test('DOCKER_HOST: default socket, unix, tcp and https; anything else is BERTH_E_CONFIG naming it', () => {
  assert.deepEqual(dockerConnection(undefined), { address: 'unix:///var/run/docker.sock', socketPath: '/var/run/docker.sock' });
  assert.deepEqual(dockerConnection('unix:///run/user/1000/podman/podman.sock'), {
    address: 'unix:///run/user/1000/podman/podman.sock',
    socketPath: '/run/user/1000/podman/podman.sock',
  });
  assert.deepEqual(dockerConnection('tcp://127.0.0.1:2375'), { address: 'tcp://127.0.0.1:2375', host: '127.0.0.1', port: 2375, protocol: 'http' });
  assert.deepEqual(dockerConnection('https://docker.internal'), { address: 'https://docker.internal', host: 'docker.internal', port: 2376, protocol: 'https' });
  assert.throws(() => dockerConnection('ssh://me@host'), (e: unknown) => isBerthError(e) && e.code === 'BERTH_E_CONFIG' && e.problems[0]?.path === 'DOCKER_HOST');
});

test('BERTH_RUNTIME=docker, BERTH_DOCKER_IMAGE and CI are read once into the config', () => {
  const config = loadConfig({ HOME: '/tmp/h', BERTH_RUNTIME: 'docker', BERTH_DOCKER_IMAGE: 'img:1', CI: 'true', DOCKER_HOST: 'unix:///x.sock' });
  assert.equal(config.runtime, 'docker');
  assert.equal(config.dockerDefaultImage, 'img:1');
  assert.equal(config.ci, true);
  assert.equal(config.docker.socketPath, '/x.sock');
  assert.equal(loadConfig({ HOME: '/tmp/h' }).ci, false);
  assert.throws(() => loadConfig({ HOME: '/tmp/h', BERTH_RUNTIME: 'nomad' }), (e: unknown) => isBerthError(e) && e.code === 'BERTH_E_CONFIG');
});
