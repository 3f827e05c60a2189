import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { which } from '../../src/runtimes/process/step-command.ts';
import { collect, parseJson, pipeline, Sandbox, writePipeline } from '../helpers/berth-cli.ts';

describe('what a step sees', () => {
  const box = new Sandbox();
  after(() => box.cleanup());
  box.file('sub/dir/dump.py', [
    'import json, os',
    'keys = [k for k in os.environ if k.startswith(("ORCHEST_", "BERTH_", "USER_"))]',
    'out = {k: os.environ[k] for k in keys}',
    'out["cwd"] = os.getcwd()',
    'out["pipeline_file"] = json.load(open(os.environ["ORCHEST_PIPELINE_PATH"]))',
    'json.dump(out, open(os.path.join(os.environ["BERTH_DATA_DIR"], "env.json"), "w"))',
  ].join('\n'));
  box.file('steps/hello.mjs', 'console.log("from node", process.version);\n');
  box.file('steps/typed.ts', 'const n: number = 41;\nconsole.log("ts says", n + 1);\n');
  box.file('steps/noext', 'echo "bash without extension"\n');
  writePipeline(box, 'pipelines/env.orchest', pipeline('env', [
    { title: 'Dump', file: '../sub/dir/dump.py', parameters: { alpha: 1 } },
    { title: 'Node', file: '../steps/hello.mjs' },
    { title: 'TS', file: '../steps/typed.ts' },
    { title: 'Bash', file: '../steps/noext' },
  ], { parameters: { threshold: 0.5, name: 'x' } }));

  it('gets Orchest and Berth variables, its folder as cwd, parameters with overrides, and run variables that cannot override Berth’s', async () => {
    const res = await box.run(['run', 'pipelines/env.orchest', '--json', '--param', 'threshold=0.9', '--param', 'Dump:alpha={"deep":[1,2]}', '--env', 'USER_VAR=hello', '--env', 'ORCHEST_STEP_UUID=spoofed']);
    assert.equal(res.code, 0, res.stderr + res.stdout);
    const report = parseJson(res.stdout);
    const env = JSON.parse(readFileSync(join(box.home, 'data', 'env.json'), 'utf8'));
    const dump = report.steps.find((s: any) => s.title === 'Dump');
    assert.equal(env.ORCHEST_STEP_UUID, dump.uuid);
    assert.equal(env.BERTH_STEP_UUID, dump.uuid);
    assert.equal(env.ORCHEST_PIPELINE_UUID, '11111111-2222-4333-8444-555555555555');
    assert.equal(env.BERTH_PIPELINE_UUID, env.ORCHEST_PIPELINE_UUID);
    assert.match(env.ORCHEST_PROJECT_UUID, /^[0-9a-f-]{36}$/);
    assert.equal(env.ORCHEST_SESSION_TYPE, 'interactive');
    assert.equal(env.ORCHEST_SESSION_UUID, env.ORCHEST_PROJECT_UUID.slice(0, 18) + env.ORCHEST_PIPELINE_UUID.slice(0, 18));
    assert.equal(env.BERTH_RUN_UUID, report.run.uuid);
    assert.equal(env.USER_VAR, 'hello');
    assert.equal(env.cwd, join(box.project, 'sub', 'dir'));
    assert.equal(env.pipeline_file.parameters.threshold, 0.9);
    assert.equal(env.pipeline_file.parameters.name, 'x');
    assert.deepEqual(env.pipeline_file.steps[dump.uuid].parameters, { alpha: { deep: [1, 2] } });
    assert.deepEqual(JSON.parse(env.BERTH_STEP_PARAMETERS), { alpha: { deep: [1, 2] } });
    assert.equal(env.pipeline_file.version, '1.2.3');
  });

  it('runs .mjs and .ts with node and extensionless files with bash, output in per-run logs', async () => {
    const first = parseJson((await box.run(['run', 'pipelines/env.orchest', '--json'])).stdout);
    const second = parseJson((await box.run(['run', 'pipelines/env.orchest', '--json'])).stdout);
    for (const report of [first, second]) {
      const log = (title: string) => readFileSync(report.steps.find((s: any) => s.title === title).log_path, 'utf8');
      assert.match(log('Node'), /from node v2[4-9]/);
      assert.match(log('TS'), /ts says 42/);
      assert.match(log('Bash'), /bash without extension/);
    }
    assert.notEqual(first.steps[1].log_path, second.steps[1].log_path, 'a later run never overwrites an earlier run’s logs');
    const logs = await box.run(['logs', first.run.uuid.slice(0, 8), 'TS']);
    assert.equal(logs.code, 0);
    assert.match(logs.stdout, /ts says 42/);
  });

  it('a step whose interpreter is missing fails with a clear reason', async () => {
    box.file('steps/analysis.R', 'print("hi")\n');
    box.file('steps/nb.ipynb', JSON.stringify({ cells: [], metadata: {}, nbformat: 4, nbformat_minor: 5 }));
    writePipeline(box, 'missing.orchest', pipeline('missing', [
      { title: 'R', file: 'steps/analysis.R' },
      { title: 'Notebook', file: 'steps/nb.ipynb' },
    ]));
    // A PATH with only bash's folder: no Rscript, no jupyter, no papermill.
    const res = await box.run(['run', 'missing.orchest', '--json'], { env: { PATH: '/usr/bin/nonexistent:/bin-not-here' } });
    assert.equal(res.code, 1);
    const report = parseJson(res.stdout);
    const reason = (t: string) => report.steps.find((s: any) => s.title === t).reason;
    assert.match(reason('R'), /Rscript is not installed/);
    assert.match(reason('Notebook'), /neither jupyter nbconvert nor papermill/);
    assert.match(readFileSync(report.steps[0].log_path, 'utf8'), /not installed/);
  });
});

describe('notebook steps', () => {
  const nbconvert = which('jupyter-nbconvert', process.env.PATH ?? '');
  it('execute with jupyter nbconvert on the local python3 kernel, output kept per run', { skip: nbconvert ? false : 'jupyter-nbconvert is not installed (.ci/run installs it)' }, async () => {
    const box = new Sandbox();
    try {
      const cell = (src: string) => ({ cell_type: 'code', execution_count: null, metadata: {}, outputs: [], source: [src] });
      // The kernel name Orchest wrote into its notebooks: it must not stop the notebook from running.
      const notebook = (src: string) => JSON.stringify({ cells: [cell(src)], metadata: { kernelspec: { name: 'orchest-kernel-c56ab762-539c-4cce-9b1e-c4b00300ec6f', display_name: 'Python 3', language: 'python' } }, nbformat: 4, nbformat_minor: 5 });
      box.file('ok.ipynb', notebook("import os\nopen(os.path.join(os.environ['BERTH_DATA_DIR'], 'nb.txt'), 'w').write(os.environ['ORCHEST_STEP_UUID'])\nprint('answer', 6 * 7)"));
      box.file('bad.ipynb', notebook("raise ValueError('broken notebook')"));
      writePipeline(box, 'nb.orchest', pipeline('nb', [{ title: 'OK', file: 'ok.ipynb' }, { title: 'Bad', file: 'bad.ipynb' }]));
      const res = await box.run(['run', 'nb.orchest', '--json']);
      assert.equal(res.code, 1, res.stderr);
      const report = parseJson(res.stdout);
      const ok = report.steps.find((s: any) => s.title === 'OK');
      const bad = report.steps.find((s: any) => s.title === 'Bad');
      assert.equal(ok.status, 'SUCCESS', readFileSync(ok.log_path, 'utf8'));
      assert.equal(readFileSync(join(box.home, 'data', 'nb.txt'), 'utf8'), ok.uuid);
      const executed = readFileSync(join(box.home, 'runs', report.run.uuid, 'notebooks', `${ok.uuid}.ipynb`), 'utf8');
      assert.match(executed, /answer 42/);
      assert.doesNotMatch(readFileSync(join(box.project, 'ok.ipynb'), 'utf8'), /answer 42/, 'the project notebook is left as it was');
      assert.equal(bad.status, 'FAILURE');
      assert.match(readFileSync(bad.log_path, 'utf8'), /broken notebook/);
      assert.match(readFileSync(join(box.home, 'runs', report.run.uuid, 'notebooks', `${bad.uuid}.ipynb`), 'utf8'), /ValueError/, 'a failed notebook is kept executed too');
    } finally {
      box.cleanup();
    }
  });

  it("writes each cell's output to the step log as it is produced, as Orchest's runner did ([n] output), without nbconvert's messages", { skip: nbconvert ? false : 'jupyter-nbconvert is not installed (.ci/run installs it)', timeout: 120_000 }, async () => {
    const box = new Sandbox();
    try {
      const flag = join(box.root, 'go-on');
      const cells = [
        "print('first cell')\n6 * 7",
        `import os, sys, time\nprint('waiting', flush=True)\nprint('to stderr', file=sys.stderr, flush=True)\nwhile not os.path.exists(${JSON.stringify(flag)}): time.sleep(0.05)\nprint('went on')`,
      ].map((src) => ({ cell_type: 'code', execution_count: null, metadata: {}, outputs: [], source: [src] }));
      box.file('live.ipynb', JSON.stringify({ cells, metadata: { kernelspec: { name: 'python3', display_name: 'Python 3', language: 'python' } }, nbformat: 4, nbformat_minor: 5 }));
      writePipeline(box, 'live.orchest', pipeline('live', [{ title: 'Live', file: 'live.ipynb' }]));
      const child = box.spawn(['run', 'live.orchest', '-f']);
      const done = collect(child);
      let seen = '';
      child.stdout!.on('data', (d: Buffer) => (seen += d.toString()));
      const end = Date.now() + 90_000;
      while (!seen.includes('Live | [2] waiting') && Date.now() < end) await new Promise((r) => setTimeout(r, 50));
      assert.match(seen, /Live \| \[1\] first cell\nLive \| \[1\] 42\n/, 'cell 1 and its result, before cell 2 has ended');
      assert.match(seen, /Live \| \[2\] waiting/);
      writeFileSync(flag, '');
      const res = await done;
      assert.equal(res.code, 0, res.stderr);
      const report = parseJson((await box.run(['runs', 'show', /Run ([0-9a-f-]{36})/.exec(res.stdout)![1]!, '--json'])).stdout);
      const log = readFileSync(report.steps[0].log_path, 'utf8');
      assert.match(log, /^\[1\] first cell\n\[1\] 42\n\[2\] waiting\n/);
      assert.match(log, /\[2\] to stderr\n/);
      assert.match(log, /\[2\] went on\n$/);
      assert.doesNotMatch(log, /NbConvertApp|WARNING|Debugger/);
      assert.match(readFileSync(join(box.home, 'runs', report.run.uuid, 'notebooks', `${report.steps[0].uuid}.ipynb`), 'utf8'), /went on/);
    } finally {
      box.cleanup();
    }
  });
});
