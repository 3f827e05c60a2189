import assert from 'node:assert/strict';
import { cpSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { findKernelSpecs, jupyterDataDirs, kernelForLanguage } from '../../src/runtimes/process/jupyter-kernels.ts';
import { parseJson, Sandbox } from '../helpers/berth-cli.ts';
import { orchestFixture } from '../helpers/orchest-fixtures.ts';

type Finding = { level: string; subject: string; message: string };
const at = (report: { findings: Finding[] }, level: string) => report.findings.filter((f) => f.level === level).map((f) => f.message).join('\n');
const hasR = kernelForLanguage('r', findKernelSpecs(jupyterDataDirs(process.env))) ? false : 'IRkernel is not installed (.ci/run installs r-cran-irkernel)';
const dockerUp = async (box: Sandbox) => (await box.run(['import', 'orchest', orchestFixture('quickstart'), '--runtime', 'docker', '--json'])).stdout.includes('"runtime":"docker"');

describe('berth import orchest DIR', () => {
  const box = new Sandbox();
  after(() => box.cleanup());

  it('Orchest’s quickstart on the process runtime: the file’s own version, its languages and kernels, its environment, what is not used; ready', async () => {
    const res = await box.run(['import', 'orchest', orchestFixture('quickstart'), '--json']);
    assert.equal(res.code, 0, res.stdout + res.stderr);
    const report = parseJson(res.stdout);
    assert.equal(report.ok, true);
    assert.equal(report.runtime, 'process');
    assert.deepEqual(report.pipelines, [{ path: 'california_housing.orchest', name: 'california-housing', version: '1.0.0', steps: 7, services: [], valid: true }]);
    const uses = at(report, 'uses');
    assert.match(uses, /pipeline "california-housing" \(format 1\.0\.0, read as 1\.2\.3\): 7 steps/);
    assert.match(uses, /language Python: 1 script step, 6 notebooks; notebooks run on (Jupyter kernel "python3"|the python3 kernel)/);
    assert.match(uses, /step "Get data" runs with python3/);
    assert.deepEqual(report.languages.map((l: any) => [l.language, l.scripts, l.notebooks]), [['python', 1, 6]]);
    assert.equal(report.environments.length, 1);
    assert.equal(report.environments[0].base_image, 'orchest/base-kernel-py');
    assert.equal(report.environments[0].setup_script, true);
    assert.match(report.environments[0].build, /a Python virtual environment \(python3 -m venv --system-site-packages\) built by running setup_script\.sh in the project/, 'says how the environment is built on the process runtime');
    assert.doesNotMatch(at(report, 'cannot'), /setup_script\.sh is not run|uses \/data or \/project-dir literally/, 'environments and /data work on the process runtime');
    assert.match(at(report, 'cannot'), /settings auto_eviction \/ data_passing_memory_size .* are ignored/);
    const human = await box.run(['import', 'orchest', orchestFixture('quickstart')]);
    assert.equal(human.code, 0);
    assert.match(human.stdout, /on the process runtime[\s\S]*Berth will use:[\s\S]*Berth will not use[\s\S]*Ready/);
  });

  it('GPU flags, a job parameter grid and fields Orchest’s format does not have are reported', async () => {
    const project = join(box.root, 'quickstart-gpu');
    cpSync(orchestFixture('quickstart'), project, { recursive: true });
    const env = join(project, '.orchest', 'environments', 'c56ab762-539c-4cce-9b1e-c4b00300ec6f');
    writeFileSync(join(env, 'properties.json'), JSON.stringify({ name: 'GPU env', uuid: 'c56ab762-539c-4cce-9b1e-c4b00300ec6f', language: 'python', base_image: 'orchest/base-kernel-py-gpu', gpu_support: true }));
    writeFileSync(join(project, 'california_housing.parameters.json'), JSON.stringify({ pipeline_parameters: { a: [1, 2] }, 'some-step': { b: [1, 2, 3] } }));
    const pipeline = JSON.parse((await import('node:fs')).readFileSync(join(project, 'california_housing.orchest'), 'utf8'));
    pipeline.made_with = 'hand';
    Object.values<any>(pipeline.steps)[0].colour = 'red';
    writeFileSync(join(project, 'california_housing.orchest'), JSON.stringify(pipeline));
    const report = parseJson((await box.run(['import', 'orchest', project, '--json'])).stdout);
    assert.equal(report.ok, true);
    const cannot = at(report, 'cannot');
    assert.match(cannot, /gpu_support: the process runtime does not allocate GPUs/);
    assert.match(cannot, /not used: "made_with"/);
    assert.match(cannot, /not used: step fields "colour"/);
    assert.match(at(report, 'uses'), /job parameter grid with 6 combinations/);
  });

  it('Orchest’s services-connectivity on the process runtime: image-only services cannot run (said, with what happens to runs); command services lose their image and binds; a missing program is an error', async () => {
    const project = join(box.root, 'services');
    cpSync(orchestFixture('services-connectivity'), project, { recursive: true });
    writeFileSync(join(project, 'services-connectivity.ipynb'), JSON.stringify({ cells: [], metadata: {}, nbformat: 4, nbformat_minor: 4 }));
    const res = await box.run(['import', 'orchest', project, '--json', '--runtime', 'process']);
    // Its web UIs' programs (streamlit, tensorboard, code-server, run by `bash -c`) are not installed here: not ready.
    assert.equal(res.code, 2, res.stdout);
    const report = parseJson(res.stdout);
    assert.match(at(report, 'error'), /service "streamlit" runs "streamlit" in its bash -c script, which is not installed here \(not on PATH\): install it or use a container runtime/);
    assert.match(at(report, 'error'), /service "vscode" runs "code-server" in its bash -c script/);
    const warnings = at(report, 'warning');
    assert.match(warnings, /service "postgres" \(image postgres\) has no command, so it cannot run on the process runtime \(a service there is a command run on this machine\): interactive runs leave it out and steps that use it cannot reach it, and a job run \(whose services must all start\) fails; use a container runtime \(--runtime docker\) or give it a command/);
    assert.match(warnings, /service "redis" \(image redis\) has no command/);
    assert.match(at(report, 'uses'), /service "streamlit" \(interactive \+ noninteractive\): runs "bash -c 'umask 002 && touch/);
    assert.match(at(report, 'cannot'), /service "streamlit": image orchest\/streamlit is not used on the process runtime/);
    assert.match(at(report, 'cannot'), /service "streamlit": binds \/data → \/data, \/project-dir → \/usr\/src\/app\/src do not apply/);
    const human = await box.run(['import', 'orchest', project]);
    assert.match(human.stdout, /Check before running \(may stop a run\):[\s\S]*postgres[\s\S]*Not ready/);
    // A service whose program is not installed here cannot start: the pipeline cannot run as is.
    const file = join(project, 'services_connectivity.orchest');
    const def = JSON.parse((await import('node:fs')).readFileSync(file, 'utf8'));
    def.services.streamlit.entrypoint = 'streamlit-not-installed-here';
    writeFileSync(file, JSON.stringify(def));
    const missing = await box.run(['import', 'orchest', project, '--json']);
    assert.equal(missing.code, 2);
    assert.match(at(parseJson(missing.stdout), 'error'), /service "streamlit" runs "streamlit-not-installed-here", which is not installed here \(not on PATH\): install it or use a container runtime/);
  });

  it('on docker: images the engine lacks are listed (services and environment bases), registry: is read as Orchest did; ready', { timeout: 60_000 }, async (t) => {
    if (!(await dockerUp(box))) return t.skip('no Docker engine answers (.ci/run starts one)');
    const project = join(box.root, 'services-docker');
    cpSync(orchestFixture('services-connectivity'), project, { recursive: true });
    writeFileSync(join(project, 'services-connectivity.ipynb'), JSON.stringify({ cells: [], metadata: {}, nbformat: 4, nbformat_minor: 4 }));
    const env = join(project, '.orchest', 'environments', '30cfd18d-c5ec-4651-8a9b-6e12c36fc3b5');
    writeFileSync(join(env, 'properties.json'), JSON.stringify({ name: 'Quay', uuid: '30cfd18d-c5ec-4651-8a9b-6e12c36fc3b5', language: 'python', base_image: 'registry:quay.io/berth-test/never-pulled:1', gpu_support: false }));
    const res = await box.run(['import', 'orchest', project, '--json', '--runtime', 'docker']);
    assert.equal(res.code, 0, res.stdout);
    const report = parseJson(res.stdout);
    assert.equal(report.runtime, 'docker');
    const images = Object.fromEntries(report.images.map((i: any) => [i.image, i.present]));
    assert.equal(images['quay.io/berth-test/never-pulled:1'], false);
    assert.equal(images.postgres, false);
    assert.equal(images['codercom/code-server:latest'], false);
    assert.match(at(report, 'uses'), /base_image "registry:quay\.io\/berth-test\/never-pulled:1": Orchest's registry: prefix — the image is quay\.io\/berth-test\/never-pulled:1/);
    assert.match(at(report, 'uses'), /environment "Quay" \(python\): image built from quay\.io\/berth-test\/never-pulled:1/);
    assert.match(at(report, 'warning'), /image redis \(pipeline "services-connectivity"\) is not on the container engine: it is pulled when first needed, which needs its registry; offline, load it first/);
    assert.doesNotMatch(at(report, 'error'), /service/);
    // An image the engine has.
    writeFileSync(join(env, 'properties.json'), JSON.stringify({ name: 'Local', uuid: '30cfd18d-c5ec-4651-8a9b-6e12c36fc3b5', language: 'python', base_image: 'berth-test/python:1', gpu_support: false }));
    const local = parseJson((await box.run(['import', 'orchest', project, '--json', '--runtime', 'docker'])).stdout);
    assert.equal(local.images.find((i: any) => i.image === 'berth-test/python:1').present, true);
  });

  it('a Docker engine that does not answer is an error on the docker runtime', async () => {
    const res = await box.run(['import', 'orchest', orchestFixture('quickstart'), '--runtime', 'docker', '--json'], { env: { DOCKER_HOST: `unix://${join(box.root, 'no-docker.sock')}` } });
    assert.equal(res.code, 2, res.stderr);
    assert.match(at(parseJson(res.stdout), 'error'), /the container engine cannot be asked about images: .*no-docker\.sock/);
  });

  it('notebook languages: R on IRkernel; a language without a kernel is an error naming it and how to install its kernel', { skip: hasR }, async () => {
    const project = join(box.root, 'langs');
    mkdirSync(join(project, '.orchest', 'environments', 'r-env'), { recursive: true });
    mkdirSync(join(project, '.orchest', 'environments', 'jl-env'), { recursive: true });
    writeFileSync(join(project, '.orchest', 'environments', 'r-env', 'properties.json'), JSON.stringify({ name: 'R', uuid: 'r-env', language: 'r', base_image: 'orchest/base-kernel-r' }));
    writeFileSync(join(project, '.orchest', 'environments', 'jl-env', 'properties.json'), JSON.stringify({ name: 'Julia', uuid: 'jl-env', language: 'julia', base_image: 'orchest/base-kernel-julia' }));
    const nb = JSON.stringify({ cells: [], metadata: {}, nbformat: 4, nbformat_minor: 4 });
    writeFileSync(join(project, 'a.ipynb'), nb);
    writeFileSync(join(project, 'b.ipynb'), nb);
    const step = (uuid: string, file: string, env: string, kernel: string) => ({ uuid, title: uuid, file_path: file, incoming_connections: [], environment: env, kernel: { name: kernel, display_name: kernel }, parameters: {}, meta_data: { hidden: false, position: [0, 0] } });
    writeFileSync(join(project, 'p.orchest'), JSON.stringify({ name: 'langs', uuid: '55555555-0000-4000-8000-000000000001', version: '1.0.0', parameters: {}, settings: {}, steps: { a: step('a', 'a.ipynb', 'r-env', 'ir'), b: step('b', 'b.ipynb', 'jl-env', 'julia') } }));
    const res = await box.run(['import', 'orchest', project, '--json'], { env: { JUPYTER_PATH: join(box.root, 'none') } });
    assert.equal(res.code, 2);
    const report = parseJson(res.stdout);
    assert.deepEqual(report.languages.map((l: any) => [l.language, l.notebooks, l.kernel]), [['julia', 1, null], ['r', 1, 'ir']]);
    assert.match(at(report, 'uses'), /language R: 1 notebook; notebooks run on Jupyter kernel "ir"/);
    assert.match(at(report, 'error'), /language Julia: 1 notebook, and no Jupyter kernel for Julia is installed: install IJulia/);
    assert.match(at(report, 'error'), /step "b" cannot run on this machine: this notebook's language is Julia/);
  });

  it('lists missing step files and invalid pipelines as errors (exit 2), and rejects a missing folder or runtime', async () => {
    const res = await box.run(['import', 'orchest', orchestFixture('data-passing')]);
    assert.equal(res.code, 2);
    assert.match(res.stdout, /Errors \(fix these before running\):[\s\S]*file A\.ipynb does not exist/);
    const broken = join(box.root, 'broken');
    mkdirSync(broken);
    writeFileSync(join(broken, 'bad.orchest'), '{"name": 1, "version": "1.1.0"}');
    const bad = parseJson((await box.run(['import', 'orchest', broken, '--json'])).stdout);
    assert.equal(bad.ok, false);
    assert.equal(bad.pipelines[0].valid, false);
    assert.equal(bad.pipelines[0].version, '1.1.0');
    const none = await box.run(['import', 'orchest', join(box.root, 'nope')]);
    assert.equal(none.code, 2);
    assert.match(none.stderr, /no project folder at .*nope \[BERTH_E_PROJECT_NOT_FOUND\]/);
    const usage = await box.run(['import', 'airflow', broken]);
    assert.equal(usage.code, 2);
    assert.match(usage.stderr, /expected `orchest DIR`/);
    const runtime = await box.run(['import', 'orchest', broken, '--runtime', 'k8s']);
    assert.equal(runtime.code, 2);
    assert.match(runtime.stderr, /--runtime k8s is not a runtime this build has/);
  });
});
