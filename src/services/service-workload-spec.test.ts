import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseCodeSource, RUN_CODE_SCRIPT } from './code-source.ts';
import { parseServiceDefinition } from './service-definition.ts';
import { serviceWorkloadSpec } from './service-workload-spec.ts';

describe('project service specs (pure)', () => {
  it('builds the workload with Berth and ML Lab variables winning and $BASE_PATH_PREFIX substituted', () => {
    const def = parseServiceDefinition({ name: 'app', command: 'streamlit', args: 'run x.py --base $BASE_PATH_PREFIX_8501', ports: [8501], env_variables: { P: '$BASE_PATH_PREFIX', BERTH_PROJECT: 'spoof' } }, {});
    const spec = serviceWorkloadSpec(def, { projectUuid: 'u1', projectName: 'p', projectDir: '/proj', endpoint: 'http://b:1', apiToken: 'tok', logPath: '/l', codeDir: '/c' }, { PATH: '/bin' });
    assert.deepEqual(spec, {
      id: 'svc-u1-app',
      command: ['/bin/sh', '-c', 'streamlit run x.py --base api/projects/p/services/app/8501'],
      cwd: '/proj',
      env: {
        PATH: '/bin', P: 'api/projects/p/services/app/8501',
        BERTH_ENDPOINT: 'http://b:1', BERTH_API_TOKEN: 'tok', BERTH_PROJECT: 'p', BERTH_SERVICE_PATH: '/api/projects/p/services/app/8501/',
        LAB_ENDPOINT: 'http://b:1', LAB_API_TOKEN: 'tok', LAB_PROJECT: 'p', LAB_SERVICE_PATH: '/api/projects/p/services/app/8501/',
      },
      labels: { project: 'u1', service: 'app' },
      image: undefined,
      ports: [8501],
      logPath: '/l',
      hostPaths: ['/proj'],
    });
  });

  it("gives a container the image's environment, the user's and Berth's, never the server's, and an endpoint that reaches the server from there (issue 19 item 3)", () => {
    const def = parseServiceDefinition({ name: 'app', image: 'python:3-slim', command: 'python', ports: [8501], env_variables: { A: 'b' } }, {});
    const spec = serviceWorkloadSpec(def, { projectUuid: 'u1', projectName: 'p', projectDir: '/proj', endpoint: 'http://127.0.0.1:7420', containerEndpoint: 'http://host.docker.internal:7420', apiToken: 'tok', logPath: '/l', codeDir: '/c' }, { PATH: '/host/bin', HOME: '/root', AWS_SECRET_ACCESS_KEY: 'server-secret' });
    assert.deepEqual(Object.keys(spec.env).sort(), ['A', 'BERTH_API_TOKEN', 'BERTH_ENDPOINT', 'BERTH_PROJECT', 'BERTH_SERVICE_PATH', 'LAB_API_TOKEN', 'LAB_ENDPOINT', 'LAB_PROJECT', 'LAB_SERVICE_PATH']);
    assert.equal(spec.env.BERTH_ENDPOINT, 'http://host.docker.internal:7420');
    assert.equal(spec.env.LAB_ENDPOINT, 'http://host.docker.internal:7420');
  });

  it('a container gets the requests, limits and GPUs of berth_resources; a host command none (the process runtime cannot limit)', () => {
    const resources = { requests: { cpus: 0.25, memory: '256m' }, limits: { cpus: 1, memory: '1g' }, gpus: 1 };
    const id = { projectUuid: 'u1', projectName: 'p', projectDir: '/proj', endpoint: 'http://b:1', apiToken: 'tok', logPath: '/l', codeDir: '/c' };
    const container = serviceWorkloadSpec(parseServiceDefinition({ name: 'app', image: 'python:3-slim', command: 'python', ports: [8501], berth_resources: resources }, {}), id, {});
    assert.deepEqual([container.requests, container.limits, container.gpus], [{ cpus: 0.25, memoryBytes: 256 * 2 ** 20 }, { cpus: 1, memoryBytes: 2 ** 30 }, 1]);
    const host = serviceWorkloadSpec(parseServiceDefinition({ name: 'app', command: 'python', ports: [8501], berth_resources: resources }, {}), id, {});
    assert.deepEqual([host.requests, host.limits, host.gpus], [undefined, undefined, undefined]);
    assert.throws(() => parseServiceDefinition({ name: 'app', image: 'x', ports: [1], berth_resources: { limits: { memory: 'lots' } } }, {}), (e: any) => e.problems.some((p: any) => p.path.endsWith('berth_resources.limits.memory')));
  });

  it("accepts ML Lab's form (name from the image, body = environment) and fills defaults", () => {
    const def = parseServiceDefinition({ A: 'b' }, { image: 'ghcr.io/team/Model-API:1.0' });
    assert.deepEqual([def.name, def.image, def.env_variables, def.ports, def.requires_authentication, def.exposed], ['model-api', 'ghcr.io/team/Model-API:1.0', { A: 'b' }, [8080], true, true]);
    assert.throws(() => parseServiceDefinition({ A: 1 }, { image: 'x' }), /environment/);
    assert.throws(() => parseServiceDefinition({ name: 'x' }, {}), (e: any) => e.problems.some((p: any) => p.path === 'body.image' || p.path === 'body.command'));
  });

  it('parses code sources in pip\'s git form and refuses paths that leave the project or repository', () => {
    assert.deepEqual(parseCodeSource('git+https://user@host.org/org/repo.git@v1.2#subdirectory=app/srv'), { kind: 'git', url: 'https://user@host.org/org/repo.git', ref: 'v1.2', subdirectory: 'app/srv' });
    assert.deepEqual(parseCodeSource('git+file:///srv/repo'), { kind: 'git', url: 'file:///srv/repo', ref: null, subdirectory: null });
    assert.deepEqual(parseCodeSource('app/'), { kind: 'path', path: 'app/' });
    for (const bad of ['../x', '/etc', 'git+ftp://x/y', 'git+https://h/r#subdirectory=../up', 'git+https://h/r@$(reboot)']) assert.throws(() => parseCodeSource(bad), /BERTH|not|leaves/, bad);
  });

  it('runs code through the fixed script, with the source in BERTH_CODE_* variables', () => {
    const def = parseServiceDefinition({ name: 'job', code: 'git+file:///srv/repo@main#subdirectory=app', ports: [9000] }, {});
    const spec = serviceWorkloadSpec(def, { projectUuid: 'u', projectName: 'p', projectDir: '/proj', endpoint: 'e', apiToken: 't', logPath: '/l', codeDir: '/c' }, {});
    assert.deepEqual(spec.command, ['/bin/sh', '-c', RUN_CODE_SCRIPT]);
    assert.deepEqual([spec.env.BERTH_CODE_GIT, spec.env.BERTH_CODE_REF, spec.env.BERTH_CODE_SUBDIR, spec.env.BERTH_CODE_DIR], ['file:///srv/repo', 'main', 'app', '/c']);
    assert.throws(() => parseServiceDefinition({ name: 'both', code: 'app', command: 'x', ports: [1] }, {}), (e: any) => e.problems[0].path === 'body.code');
  });
});
