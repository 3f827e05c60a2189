import assert from 'node:assert/strict';
import { cpSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { parseJson, REPO, Sandbox } from '../helpers/berth-cli.ts';

describe('berth import orchest DIR', () => {
  const box = new Sandbox();
  after(() => box.cleanup());

  it('reports what Berth will use and what it cannot, for a project with GPU flags, a setup script and literal /data paths', async () => {
    const project = join(box.root, 'orchest-project');
    cpSync(join(REPO, 'test', 'fixtures', 'orchest', 'quickstart'), project, { recursive: true });
    // The fixture has the pipeline file and environment; give it step files, a GPU environment and a setup script.
    const env = join(project, '.orchest', 'environments', 'c56ab762-539c-4cce-9b1e-c4b00300ec6f');
    writeFileSync(join(env, 'properties.json'), JSON.stringify({ name: 'GPU env', uuid: 'c56ab762-539c-4cce-9b1e-c4b00300ec6f', language: 'python', base_image: 'orchest/base-kernel-py-gpu', gpu_support: true }));
    writeFileSync(join(env, 'setup_script.sh'), '#!/bin/bash\n# install\npip install scikit-learn\n');
    const pipeline = JSON.parse((await import('node:fs')).readFileSync(join(project, 'california_housing.orchest'), 'utf8'));
    for (const step of Object.values<any>(pipeline.steps)) {
      const file = join(project, step.file_path);
      mkdirSync(join(file, '..'), { recursive: true });
      writeFileSync(file, step.file_path.endsWith('.ipynb') ? JSON.stringify({ cells: [], metadata: {}, nbformat: 4, nbformat_minor: 5 }) : 'import pandas as pd\ndf = pd.read_csv("/data/housing.csv")\n');
    }
    writeFileSync(join(project, 'california_housing.parameters.json'), JSON.stringify({ pipeline_parameters: { a: [1, 2] }, 'some-step': { b: [1, 2, 3] } }));
    const res = await box.run(['import', 'orchest', project, '--json']);
    assert.equal(res.code, 0, res.stderr);
    const report = parseJson(res.stdout);
    assert.equal(report.ok, true);
    assert.deepEqual(report.pipelines, [{ path: 'california_housing.orchest', name: 'california-housing', steps: 7, services: [], valid: true }]);
    assert.deepEqual(report.environments, [{ uuid: 'c56ab762-539c-4cce-9b1e-c4b00300ec6f', name: 'GPU env', language: 'python', base_image: 'orchest/base-kernel-py-gpu', gpu_support: true, setup_script: true }]);
    const cannot = report.findings.filter((f: any) => f.level === 'cannot').map((f: any) => f.message).join('\n');
    assert.match(cannot, /gpu_support: the process runtime does not allocate GPUs/);
    assert.match(cannot, /setup_script\.sh is not run on the process runtime/);
    assert.match(cannot, /uses \/data or \/project-dir literally/);
    const uses = report.findings.filter((f: any) => f.level === 'uses').map((f: any) => f.message).join('\n');
    assert.match(uses, /job parameter grid with 6 combinations/);
    assert.match(uses, /step "Get data" runs with python3/);
    const human = await box.run(['import', 'orchest', project]);
    assert.equal(human.code, 0);
    assert.match(human.stdout, /Berth will use:[\s\S]*Berth cannot use[\s\S]*GPUs[\s\S]*Ready/);
  });

  it('lists missing step files and invalid pipelines as errors (exit 2), and rejects a missing folder', async () => {
    const res = await box.run(['import', 'orchest', join(REPO, 'test', 'fixtures', 'orchest', 'data-passing')]);
    assert.equal(res.code, 2);
    assert.match(res.stdout, /Errors \(fix these before running\):[\s\S]*file A\.ipynb does not exist/);
    const broken = join(box.root, 'broken');
    mkdirSync(broken);
    writeFileSync(join(broken, 'bad.orchest'), '{"name": 1}');
    const bad = parseJson((await box.run(['import', 'orchest', broken, '--json'])).stdout);
    assert.equal(bad.ok, false);
    assert.equal(bad.pipelines[0].valid, false);
    const none = await box.run(['import', 'orchest', join(box.root, 'nope')]);
    assert.equal(none.code, 2);
    assert.match(none.stderr, /no project folder at .*nope \[BERTH_E_PROJECT_NOT_FOUND\]/);
    const usage = await box.run(['import', 'airflow', broken]);
    assert.equal(usage.code, 2);
    assert.match(usage.stderr, /expected `orchest DIR`/);
  });
});
