import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ServiceDefinition } from '../core/pipeline-types.ts';
import { sessionServiceSpec, type SessionServiceContext } from './session-service-spec.ts';

const S = 'pppppppppppppppppp' + 'qqqqqqqqqqqqqqqqqq';
const ctx: SessionServiceContext = {
  sessionUuid: S, projectUuid: 'proj-uuid-1', projectName: 'my proj', sessionType: 'interactive', pipelineUuid: 'pipe-uuid-1', pipelinePath: '/project-dir/p.orchest', projectDir: '/home/u/proj', dataDir: '/home/u/data',
  isolated: true, image: 'orchest/streamlit', inherited: { SECRET: 'inherited', OTHER: 'not asked for' }, base: { PATH: '/usr/bin', HOME: '/root' }, logPath: '/l/streamlit.log',
};
const streamlit: ServiceDefinition = {
  name: 'streamlit', image: 'orchest/streamlit', command: 'bash', args: `-c 'umask 002 && streamlit run src/app.py --server.baseUrlPath=$BASE_PATH_PREFIX_8501'`,
  env_variables: { STREAMLIT_SERVER_BASE_URL_PATH: '$BASE_PATH_PREFIX_8501', SECRET: 'from-definition' }, env_variables_inherit: ['SECRET', 'ABSENT'],
  binds: { '/data': '/data', '/project-dir': '/usr/src/app/src' }, berth_volumes: { cache: '/root/.cache' },
  ports: [8501], exposed: true, preserve_base_path: true, scope: ['interactive'], order: 0,
};

describe('session service specs (pure)', () => {
  it('a container: shell-split args, $BASE_PATH_PREFIX everywhere, inherited variables win, binds, volumes, the session network', () => {
    const prefix = `api/projects/my%20proj/services/streamlit-${S}/8501`;
    assert.deepEqual(sessionServiceSpec(streamlit, ctx), {
      id: `session-${S}-streamlit`,
      command: ['bash', '-c', `umask 002 && streamlit run src/app.py --server.baseUrlPath=${prefix}`],
      cwd: '',
      env: {
        STREAMLIT_SERVER_BASE_URL_PATH: prefix, SECRET: 'inherited',
        ORCHEST_PROJECT_UUID: 'proj-uuid-1', ORCHEST_PIPELINE_UUID: 'pipe-uuid-1', ORCHEST_PIPELINE_PATH: '/project-dir/p.orchest', ORCHEST_SESSION_UUID: S, ORCHEST_SESSION_TYPE: 'interactive',
        BERTH_PROJECT_UUID: 'proj-uuid-1', BERTH_PIPELINE_UUID: 'pipe-uuid-1', BERTH_PIPELINE_PATH: '/project-dir/p.orchest', BERTH_SESSION_UUID: S, BERTH_SESSION_TYPE: 'interactive',
      },
      labels: { project: 'proj-uuid-1', pipeline: 'pipe-uuid-1', session: S, service: 'streamlit' },
      ports: [8501],
      logPath: '/l/streamlit.log',
      restart: 'on-failure',
      image: 'orchest/streamlit',
      imageEntrypoint: false,
      mounts: [
        { source: '/home/u/data', target: '/data' },
        { source: '/home/u/proj', target: '/usr/src/app/src' },
        { type: 'volume', source: 'berth-proj-uui-cache', target: '/root/.cache' },
      ],
      network: { name: `berth-session-${S}`, aliases: ['streamlit', `streamlit-${S}`] },
    });
  });

  it('berth_resources become requests, limits and GPUs; a gpu_support environment gives one GPU unless it says; the host gets none', () => {
    const db: ServiceDefinition = { name: 'db', image: 'environment@e1', command: 'postgres', ports: [5432], exposed: false, scope: ['interactive'], berth_resources: { requests: { memory: '1g' }, limits: { cpus: 2, memory: '2g' } } };
    const c = sessionServiceSpec(db, { ...ctx, image: 'berth-env/e1:abc', gpuSupport: true });
    assert.deepEqual([c.requests, c.limits, c.gpus], [{ memoryBytes: 2 ** 30 }, { cpus: 2, memoryBytes: 2 * 2 ** 30 }, 1]);
    assert.equal(sessionServiceSpec({ ...db, berth_resources: { gpus: 0 } }, { ...ctx, gpuSupport: true }).gpus, undefined);
    assert.equal(sessionServiceSpec({ ...db, berth_resources: {} }, ctx).gpus, undefined);
    const host = sessionServiceSpec(db, { ...ctx, isolated: false, gpuSupport: true });
    assert.deepEqual([host.requests, host.limits, host.gpus], [undefined, undefined, undefined]);
  });

  it("without a command the image's entrypoint gets the args; on the host the command runs in the project with the host's environment", () => {
    const redis: ServiceDefinition = { name: 'redis', image: 'redis', args: '--appendonly yes', ports: [6379], exposed: false, scope: ['interactive'], berth_restart: 'always' };
    const c = sessionServiceSpec(redis, { ...ctx, image: 'redis' });
    assert.deepEqual([c.command, c.imageEntrypoint, c.restart], [['--appendonly', 'yes'], true, 'always']);
    const host = sessionServiceSpec({ ...redis, command: 'redis-server' }, { ...ctx, isolated: false });
    assert.deepEqual([host.command, host.cwd, host.image, host.mounts, host.network, host.env.PATH], [['redis-server', '--appendonly', 'yes'], '/home/u/proj', undefined, undefined, undefined, '/usr/bin']);
    assert.throws(() => sessionServiceSpec(redis, { ...ctx, isolated: false }), (e: any) => e.code === 'BERTH_E_INVALID_PIPELINE' && e.problems[0].path === 'services.redis.command');
  });
});
