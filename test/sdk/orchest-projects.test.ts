import assert from 'node:assert/strict';
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { which } from '../../src/runtimes/process/step-command.ts';
import { parseJson, Sandbox } from '../helpers/berth-cli.ts';
import { orchestFixture } from '../helpers/orchest-fixtures.ts';

/** A notebook as Orchest saved them: one code cell per source, Orchest's per-environment kernel name. */
function notebook(envUuid: string, ...sources: string[]): string {
  return JSON.stringify({
    cells: sources.map((source) => ({ cell_type: 'code', execution_count: null, metadata: {}, outputs: [], source })),
    metadata: { kernelspec: { display_name: 'Python 3', language: 'python', name: `orchest-kernel-${envUuid}` } },
    nbformat: 4,
    nbformat_minor: 4,
  });
}

// Orchest's own test projects (pipeline files and environments unchanged, version 1.0.0 files),
// with notebooks written the way Orchest users wrote them.
describe('Orchest projects run unchanged', { skip: which('jupyter-nbconvert', process.env.PATH ?? '') ? false : 'jupyter-nbconvert is not installed (.ci/run installs it)' }, () => {
  const box = new Sandbox();
  after(() => box.cleanup());

  it('data-passing: A outputs its parameter under its name, B receives it through get_inputs', async () => {
    const project = join(box.root, 'data-passing');
    cpSync(orchestFixture('data-passing'), project, { recursive: true });
    const env = 'bb37767a-2e1a-4da3-9468-8c9ba1c91a6b';
    writeFileSync(join(project, 'A.ipynb'), notebook(env, 'import orchest', 'data = orchest.get_step_param("input_data")\nname = orchest.get_step_param("input_data_name")', 'orchest.output(data, name=name)'));
    writeFileSync(join(project, 'B.ipynb'), notebook(env, 'import json\nimport orchest', 'inputs = orchest.get_inputs()\nprint(inputs)', 'with open(orchest.get_step_param("test-output-file"), "w") as f:\n    json.dump(inputs, f)'));
    const file = join(project, 'data-passing.orchest');
    const named = await box.run(['run', file, '--json', '--step-param', 'A.input_data={"rows": [1, 2, 3]}', '--step-param', 'A.input_data_name=my-data']);
    assert.equal(named.code, 0, named.stderr + readFileSync(parseJson(named.stdout).steps[1].log_path, 'utf8'));
    assert.deepEqual(JSON.parse(readFileSync(join(project, 'test-output.json'), 'utf8')), { unnamed: [], 'my-data': { rows: [1, 2, 3] } });
    const unnamed = await box.run(['run', file, '--json']);
    assert.equal(unnamed.code, 0);
    assert.deepEqual(JSON.parse(readFileSync(join(project, 'test-output.json'), 'utf8')), { unnamed: [{}] }, 'the file’s own parameters: {} without a name');
    const report = parseJson(unnamed.stdout);
    const executed = readFileSync(join(box.home, 'runs', report.run.uuid, 'notebooks', `${report.steps[1].uuid}.ipynb`), 'utf8');
    assert.match(executed, /'unnamed': \[\{\}\]/, 'the executed notebook keeps its output');
  });

  it('dump-env-params: parameters and the ORCHEST_* variables a notebook sees', async () => {
    const project = join(box.root, 'dump-env-params');
    cpSync(orchestFixture('dump-env-params'), project, { recursive: true });
    writeFileSync(join(project, 'dump-env-params.ipynb'), notebook('4b3659e0-db0a-4ff0-9b60-fb53903dd218',
      'import json, os\nimport orchest',
      'step_params, pipeline_params = orchest.get_params()\nenv = {k: v for k, v in os.environ.items() if k.startswith("ORCHEST_")}',
      'with open(os.path.join(os.environ["ORCHEST_PROJECT_DIR"], orchest.get_step_param("test-output-file")), "w") as f:\n    json.dump({"step": step_params, "pipeline": pipeline_params, "env": env}, f)'));
    const res = await box.run(['run', join(project, 'dump-env-params.orchest'), '--json', '--param', 'pipeline-param-A=2']);
    assert.equal(res.code, 0, res.stderr);
    const out = JSON.parse(readFileSync(join(project, 'test-output.json'), 'utf8'));
    assert.deepEqual(out.step, { 'step-param-a': 1, 'test-output-file': 'test-output.json' });
    assert.deepEqual(out.pipeline, { 'pipeline-param-A': 2 });
    assert.equal(out.env.ORCHEST_STEP_UUID, 'bb789d4f-9e8c-462d-8a6d-9b437ca705f7');
    assert.equal(out.env.ORCHEST_PIPELINE_UUID, 'e3bde42d-6de2-4e69-a191-56b35deb5cf2');
    assert.equal(out.env.ORCHEST_SESSION_TYPE, 'interactive');
  });
});
