import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { loadConfig } from '../config/config.ts';
import { dockerKernelHostImage, dockerKernelHostSpec, KERNEL_HOST_LINGER_SECONDS, planDockerJupyter, type DockerJupyterInput } from './session-jupyter-docker.ts';

const PY = 'eeeeeeee-1111-4111-8111-000000000001';
const R = 'eeeeeeee-1111-4111-8111-000000000002';
const JL = 'eeeeeeee-1111-4111-8111-000000000003';
const JS = 'eeeeeeee-1111-4111-8111-000000000004';

describe('planDockerJupyter (files only; no engine)', () => {
  const root = mkdtempSync(join(tmpdir(), 'berth-jupyter-docker-'));
  after(() => rmSync(root, { recursive: true, force: true }));
  const project = join(root, 'proj');
  for (const [uuid, name, language] of [[PY, 'Py Env', 'python'], [R, 'R Env', 'r'], [JL, 'Julia Env', 'julia'], [JS, 'JS Env', 'javascript']] as const) {
    mkdirSync(join(project, '.orchest', 'environments', uuid), { recursive: true });
    writeFileSync(join(project, '.orchest', 'environments', uuid, 'properties.json'), JSON.stringify({ name, base_image: 'base', language }));
  }
  writeFileSync(join(project, 'p.orchest'), '{}');
  const pulled: string[] = [];
  const progress: string[] = [];
  const input: DockerJupyterInput = {
    sessionUuid: 's1', projectUuid: 'p1', pipelineUuid: 'pl1', pipelineFile: join(project, 'p.orchest'), projectDir: project, inherited: { MY_VAR: 'v' },
    environmentImage: async (uuid) => `berth-env/${uuid}:h`,
    ensureImage: async (image) => void pulled.push(image),
    onProgress: (line) => progress.push(line),
  };

  it('without BERTH_JUPYTER_IMAGE starts no Jupyter and says which variable to set', async () => {
    const plan = await planDockerJupyter(loadConfig({ PATH: '/usr/bin:/bin', BERTH_HOME: join(root, 'home') }), input);
    assert.ok('skipped' in plan);
    assert.match(plan.skipped, /set BERTH_JUPYTER_IMAGE to an image with Jupyter Server/);
    assert.deepEqual(pulled, []);
  });

  it('plans Jupyter from the image on the session network (kernels culled when idle) and a kernel host per Python environment, with a relay kernelspec', async () => {
    const home = join(root, 'home');
    const config = loadConfig({ PATH: '/usr/bin:/bin', BERTH_HOME: home, BERTH_JUPYTER_IMAGE: 'jup:1', BERTH_KERNEL_IDLE_CULL_SECONDS: '600' });
    const plan = await planDockerJupyter(config, input);
    assert.ok(!('skipped' in plan));
    assert.deepEqual(pulled, ['jup:1']);
    assert.equal(plan.spec.image, 'jup:1');
    assert.deepEqual(plan.spec.network, { name: 'berth-session-s1', aliases: ['berth-jupyter'] });
    assert.deepEqual(plan.spec.ports, [8888]);
    assert.equal(plan.spec.env.JUPYTER_TOKEN, plan.definition.env_variables?.JUPYTER_TOKEN);
    assert.ok(!plan.spec.command.join(' ').includes(plan.spec.env.JUPYTER_TOKEN!), 'the token is not on the command line');
    assert.deepEqual(plan.spec.command.filter((a) => a.includes('cull')), ['--MappingKernelManager.cull_idle_timeout=600', '--MappingKernelManager.cull_interval=60', '--MappingKernelManager.cull_connected=False']);
    // The kernel host of an environment starts when Jupyter asks for a kernel: from the image the kernelspec records.
    const image = dockerKernelHostImage(home, 's1', PY);
    assert.equal(image, `berth-env/${PY}:h`);
    const host = dockerKernelHostSpec(config, input, PY, image!);
    assert.equal(host.image, `berth-env/${PY}:h`);
    assert.deepEqual(host.command, ['python3', '/berth-kernel-bin/kernel_host.py', `/berth-jupyter/kernels/${PY}`, String(KERNEL_HOST_LINGER_SECONDS)], 'it exits after a while without kernels');
    assert.deepEqual(host.labels, { project: 'p1', pipeline: 'pl1', session: 's1', service: `berth-kernels-${PY}` });
    assert.deepEqual(host.network, { name: 'berth-session-s1', aliases: [`berth-kernels-${PY}`] });
    assert.deepEqual(host.mounts?.map((m) => m.target).sort(), ['/berth-jupyter', '/berth-kernel-bin', '/berth-outputs', '/berth-sdk/python', '/data', '/project-dir']);
    assert.deepEqual([host.env.ORCHEST_PIPELINE_PATH, host.env.ORCHEST_PROJECT_DIR, host.env.BERTH_OUTPUTS_DIR, host.env.MY_VAR], ['/project-dir/p.orchest', '/project-dir', '/berth-outputs', 'v']);
    const spec = JSON.parse(readFileSync(join(home, 'sessions', 's1', 'jupyter', 'data', 'kernels', `orchest-kernel-${PY}`, 'kernel.json'), 'utf8'));
    assert.deepEqual(spec.argv, ['python3', '/berth-kernel-bin/kernel_relay.py', '{connection_file}', `berth-kernels-${PY}`, `/berth-jupyter/kernels/${PY}`]);
    assert.equal(spec.display_name, 'Py Env');
    assert.equal(spec.interrupt_mode, 'message');
  });

  it('gives an R environment a kernelspec whose kernel host runs IRkernel (interrupted by signal through the relay)', async () => {
    const home = join(root, 'home');
    const config = loadConfig({ PATH: '/usr/bin:/bin', BERTH_HOME: home, BERTH_JUPYTER_IMAGE: 'jup:1' });
    assert.ok(!('skipped' in (await planDockerJupyter(config, input))));
    const spec = JSON.parse(readFileSync(join(home, 'sessions', 's1', 'jupyter', 'data', 'kernels', `orchest-kernel-${R}`, 'kernel.json'), 'utf8'));
    assert.deepEqual([spec.display_name, spec.language, spec.interrupt_mode, spec.argv[1]], ['R Env', 'R', 'signal', '/berth-kernel-bin/kernel_relay.py']);
    const image = dockerKernelHostImage(home, 's1', R);
    assert.equal(image, `berth-env/${R}:h`);
    const host = dockerKernelHostSpec(config, input, R, image!);
    assert.deepEqual(host.command, [
      'python3', '/berth-kernel-bin/kernel_host.py', `/berth-jupyter/kernels/${R}`, String(KERNEL_HOST_LINGER_SECONDS),
      'R', '--slave', '-e', 'IRkernel::main()', '--args', '{connection_file}',
    ]);
    assert.deepEqual([host.env.ORCHEST_PROJECT_DIR, host.env.ORCHEST_DATA_DIR], ['/project-dir', '/data']);
  });

  it('says why a Julia environment has no kernel, and the session still starts with the others', async () => {
    progress.length = 0;
    const home = join(root, 'home');
    const config = loadConfig({ PATH: '/usr/bin:/bin', BERTH_HOME: home, BERTH_JUPYTER_IMAGE: 'jup:1' });
    const plan = await planDockerJupyter(config, input);
    assert.ok(!('skipped' in plan));
    const kernels = readdirSync(join(home, 'sessions', 's1', 'jupyter', 'data', 'kernels')).sort();
    assert.deepEqual(kernels, [PY, R, JL, JS].filter((e) => e !== JL).map((e) => `orchest-kernel-${e}`).sort());
    assert.deepEqual(progress.filter((l) => l.includes('has no kernel')), [
      'jupyter: environment "Julia Env" has no kernel: kernels of Julia environments do not run in Docker sessions yet (Python, R and JavaScript only); '
      + "on the process runtime it uses this host's Julia kernel — install IJulia (in Julia: using Pkg; Pkg.add(\"IJulia\"))",
    ]);
    assert.equal(dockerKernelHostImage(home, 's1', JL), null, 'no kernel host for it');
    // JavaScript: tslab's kernel, else IJavascript's (Orchest's image), interrupted by signal.
    const js = dockerKernelHostSpec(config, input, JS, dockerKernelHostImage(home, 's1', JS)!);
    assert.deepEqual(js.command.slice(4, 6), ['sh', '-c']);
    assert.match(js.command[6]!, /exec tslab kernel --config-path "\$0" --js; fi; exec ijskernel/);
    assert.equal(js.command[7], '{connection_file}');
  });
});
