import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseServiceDefinition } from './service-definition.ts';
import { serviceWorkloadSpec } from './service-workload-spec.ts';

describe('project service specs (pure)', () => {
  it('builds the workload with Berth and ML Lab variables winning and $BASE_PATH_PREFIX substituted', () => {
    const def = parseServiceDefinition({ name: 'app', command: 'streamlit', args: 'run x.py --base $BASE_PATH_PREFIX_8501', ports: [8501], env_variables: { P: '$BASE_PATH_PREFIX', BERTH_PROJECT: 'spoof' } }, {});
    const spec = serviceWorkloadSpec(def, { projectUuid: 'u1', projectName: 'p', projectDir: '/proj', endpoint: 'http://b:1', apiToken: 'tok', logPath: '/l' }, { PATH: '/bin' });
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
    });
  });

  it("accepts ML Lab's form (name from the image, body = environment) and fills defaults", () => {
    const def = parseServiceDefinition({ A: 'b' }, { image: 'ghcr.io/team/Model-API:1.0' });
    assert.deepEqual([def.name, def.image, def.env_variables, def.ports, def.requires_authentication, def.exposed], ['model-api', 'ghcr.io/team/Model-API:1.0', { A: 'b' }, [8080], true, true]);
    assert.throws(() => parseServiceDefinition({ A: 1 }, { image: 'x' }), /environment/);
    assert.throws(() => parseServiceDefinition({ name: 'x' }, {}), (e: any) => e.problems.some((p: any) => p.path === 'body.image' || p.path === 'body.command'));
  });
});
