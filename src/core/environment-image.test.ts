import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { environmentContextFiles, environmentDockerfile, environmentImageTag, environmentReference, resolveBaseImage, type EnvironmentDefinition } from './environment-image.ts';

const env: EnvironmentDefinition = { uuid: 'ABC-1', name: 'py', baseImage: 'python:3.12-slim', setupScript: 'pip install x\n' };

describe('environment images', () => {
  test('the tag depends on the base image and setup script only', () => {
    const tag = environmentImageTag(env);
    assert.match(tag, /^berth-env\/abc-1:[0-9a-f]{16}$/);
    assert.equal(environmentImageTag({ ...env, name: 'renamed' }), tag);
    assert.notEqual(environmentImageTag({ ...env, setupScript: 'pip install y\n' }), tag);
    assert.notEqual(environmentImageTag({ ...env, baseImage: 'python:3.11-slim' }), tag);
    assert.notEqual(environmentImageTag({ ...env, setupScript: null }), environmentImageTag({ ...env, setupScript: '' }));
    assert.equal(environmentImageTag(env, 'sha256:1'), environmentImageTag(env, 'sha256:1'));
    assert.notEqual(environmentImageTag(env, 'sha256:1'), environmentImageTag(env, 'sha256:2'));
    assert.notEqual(environmentImageTag(env, 'sha256:1'), tag);
  });

  test('the recipe runs the setup script as Orchest did: `bash < setup_script.sh` in /project-dir holding the project (sh without bash)', () => {
    assert.equal(
      environmentDockerfile(env),
      'FROM python:3.12-slim\nWORKDIR /project-dir\nCOPY project/ /project-dir/\nCOPY setup_script.sh /berth-env/setup_script.sh\n' +
        'RUN if command -v bash >/dev/null 2>&1; then bash < /berth-env/setup_script.sh; else sh < /berth-env/setup_script.sh; fi\n',
    );
    assert.deepEqual(environmentContextFiles(env), { 'setup_script.sh': 'pip install x\n' });
    assert.equal(environmentDockerfile({ ...env, setupScript: null }), 'FROM python:3.12-slim\n');
    assert.deepEqual(environmentContextFiles({ ...env, setupScript: null }), {});
  });

  test('environment@<uuid> references', () => {
    assert.equal(environmentReference('environment@abc'), 'abc');
    assert.equal(environmentReference('redis:7'), null);
  });
});

test('base_image: the registry: prefix is dropped, Orchest base images map through the table (overridable), other names stay', () => {
  assert.equal(resolveBaseImage('registry:quay.io/python/python:3.9'), 'quay.io/python/python:3.9');
  assert.equal(resolveBaseImage('orchest/base-kernel-py'), 'docker.io/orchest/base-kernel-py:v2023.04.2');
  assert.equal(resolveBaseImage('docker.io/orchest/base-kernel-r'), 'docker.io/orchest/base-kernel-r:v2023.04.2');
  assert.equal(resolveBaseImage('orchest/base-kernel-py:v2022.10.0'), 'orchest/base-kernel-py:v2022.10.0', 'a tag of its own is used as it is');
  assert.equal(resolveBaseImage('orchest/base-kernel-py', { 'orchest/base-kernel-py': 'local/py:1' }), 'local/py:1');
  assert.equal(resolveBaseImage(' python:3.12-slim '), 'python:3.12-slim');
});
