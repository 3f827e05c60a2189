import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { containerStepCommand } from '../../src/runs/container-step-command.ts';
import { which } from '../../src/runtimes/process/step-command.ts';
import { findKernelSpecs, jupyterDataDirs, kernelForLanguage } from '../../src/runtimes/process/jupyter-kernels.ts';
import { collect, parseJson, REPO, Sandbox } from '../helpers/berth-cli.ts';

const PY_ENV = 'a1b2c3d4-0000-4000-8000-00000000000a';
const R_ENV = 'a1b2c3d4-0000-4000-8000-00000000000b';
const JL_ENV = 'a1b2c3d4-0000-4000-8000-00000000000c';

/** A notebook as Orchest saved it: the kernelspec names Orchest's per-environment kernel. */
function notebook(envUuid: string, language: string, ...sources: string[]): string {
  return JSON.stringify({
    cells: sources.map((source) => ({ cell_type: 'code', execution_count: null, metadata: {}, outputs: [], source })),
    metadata: { kernelspec: { display_name: language, language, name: `orchest-kernel-${envUuid}` } },
    nbformat: 4,
    nbformat_minor: 4,
  });
}

function environment(box: Sandbox, uuid: string, name: string, language: string): void {
  box.file(`.orchest/environments/${uuid}/properties.json`, JSON.stringify({ name, uuid, language, base_image: `orchest/base-kernel-${language === 'python' ? 'py' : language}`, gpu_support: false }));
}

function step(uuid: string, title: string, file: string, env: string, kernel: string, parents: string[] = []) {
  return { uuid, title, file_path: file, incoming_connections: parents, environment: env, kernel: { name: kernel, display_name: kernel }, parameters: {}, meta_data: { hidden: false, position: [0, 0] } };
}

const haveR = which('jupyter-nbconvert', process.env.PATH ?? '') && kernelForLanguage('r', findKernelSpecs(jupyterDataDirs(process.env))) ? false : 'needs jupyter-nbconvert and IRkernel (apt-get install jupyter-nbconvert r-cran-irkernel; .ci/run installs them)';

describe('notebook kernels by language (process runtime)', () => {
  const box = new Sandbox();
  after(() => box.cleanup());

  it('an R + Python notebook pipeline saved by Orchest runs on IRkernel and ipykernel; cell output is in the step logs', { skip: haveR }, async () => {
    environment(box, PY_ENV, 'Python', 'python');
    environment(box, R_ENV, 'R', 'r');
    box.file('prepare.ipynb', notebook(PY_ENV, 'python',
      'import csv, os\nrows = [{"x": v} for v in (1, 2, 6)]',
      'with open(os.path.join(os.environ["BERTH_DATA_DIR"], "xs.csv"), "w", newline="") as f:\n    w = csv.DictWriter(f, ["x"]); w.writeheader(); w.writerows(rows)\nprint(f"python wrote {len(rows)} rows")',
      'len(rows) * 10'));
    box.file('analyse.ipynb', notebook(R_ENV, 'R',
      'df <- read.csv(file.path(Sys.getenv("BERTH_DATA_DIR"), "xs.csv"))',
      'cat("R mean:", mean(df$x), "\\n")\nmessage("R to stderr")',
      'nrow(df) * 7'));
    box.file('rp.orchest', JSON.stringify({
      name: 'r-and-python', uuid: '44444444-0000-4000-8000-000000000001', version: '1.0.0', parameters: {}, settings: {},
      steps: {
        's-py': step('s-py', 'Prepare', 'prepare.ipynb', PY_ENV, 'python'),
        // Orchest 1.0.0 named the R kernel "ir"; migration makes it "r".
        's-r': step('s-r', 'Analyse', 'analyse.ipynb', R_ENV, 'ir', ['s-py']),
      },
    }));
    const res = await box.run(['run', 'rp.orchest', '--json']);
    const report = parseJson(res.stdout);
    const log = (title: string) => readFileSync(report.steps.find((s: { title: string }) => s.title === title).log_path, 'utf8');
    assert.equal(res.code, 0, res.stderr + log('Analyse'));
    assert.match(log('Prepare'), /python wrote 3 rows/);
    assert.match(log('Prepare'), /^\[\d+\] 30$/m, 'an execute result is logged as its plain text, after its execution count');
    assert.match(log('Analyse'), /R mean: 3/);
    assert.match(log('Analyse'), /R to stderr/);
    assert.match(log('Analyse'), /^\[\d+\] \[1\] 21$/m, 'R prints its results as R does (after the cell\'s execution count)');
    const executed = readFileSync(join(box.home, 'runs', report.run.uuid, 'notebooks', 's-r.ipynb'), 'utf8');
    assert.match(executed, /R mean: 3/, 'the executed notebook keeps its outputs');
  });

  it('an R cell error fails the step with the error in its log', { skip: haveR }, async () => {
    box.file('bad.ipynb', notebook(R_ENV, 'R', 'cat("before\\n")', 'stop("deliberate R failure")'));
    box.file('bad.orchest', JSON.stringify({
      name: 'bad-r', uuid: '44444444-0000-4000-8000-000000000002', version: '1.2.3', parameters: {}, settings: {},
      steps: { 's-bad': step('s-bad', 'Bad', 'bad.ipynb', R_ENV, 'r') },
    }));
    const res = await box.run(['run', 'bad.orchest', '--json']);
    assert.equal(res.code, 1);
    const log = readFileSync(parseJson(res.stdout).steps[0].log_path, 'utf8');
    assert.match(log, /before/);
    assert.match(log, /deliberate R failure/);
  });

  it('a notebook whose language has no installed kernel fails before it runs, naming the language and how to install its kernel', async () => {
    environment(box, JL_ENV, 'Julia', 'julia');
    box.file('jl.ipynb', notebook(JL_ENV, 'julia', 'println("never")'));
    box.file('jl.orchest', JSON.stringify({
      name: 'julia-nb', uuid: '44444444-0000-4000-8000-000000000003', version: '1.2.3', parameters: {}, settings: {},
      // The kernel as a notebook names it: the environment says which language that is.
      steps: { 's-jl': step('s-jl', 'Julia step', 'jl.ipynb', JL_ENV, `orchest-kernel-${JL_ENV}`) },
    }));
    // An empty Jupyter path of its own: no Julia kernel, whatever this machine has.
    const res = await box.run(['run', 'jl.orchest', '--json'], { env: { JUPYTER_PATH: join(box.root, 'no-kernels'), JUPYTER_DATA_DIR: join(box.root, 'no-kernels') } });
    assert.notEqual(res.code, 0);
    const failed = parseJson(res.stdout).steps[0];
    assert.equal(failed.exit_code, null, 'nothing ran');
    assert.match(failed.reason, /this notebook's language is Julia, and no Jupyter kernel for Julia is installed: install IJulia \(in Julia: using Pkg; Pkg\.add\("IJulia"\)\)/);
  });
});

describe('notebook kernels in images: the image’s kernel list picks the kernel', () => {
  it('python runs python3; other languages find their kernel with `jupyter kernelspec list` (run here on the host’s real list)', { skip: haveR || (which('jupyter-kernelspec', process.env.PATH ?? '') ? false : 'needs jupyter kernelspec (apt-get install jupyter-client)') }, async () => {
    const py = containerStepCommand('/project-dir/n.ipynb', { notebookOut: '/berth-run/notebooks/s.ipynb', kernel: 'python' });
    assert.ok(py.ok);
    // The image's script: the live runner (or nbconvert) on python3, the output and notebook paths as given, no kernel pattern to look up.
    assert.deepEqual(py.argv.slice(0, 2), ['sh', '-c']);
    assert.deepEqual(py.argv.slice(3, 6), ['sh', '/berth-run/notebooks/s.ipynb', '/project-dir/n.ipynb']);
    assert.equal(py.argv[7], '', 'python needs no kernel lookup: python3');
    assert.match(py.argv[2]!, /k=python3/);
    const box = new Sandbox();
    try {
      const nb = box.file('r.ipynb', notebook(R_ENV, 'R', 'cat("from R in the image script\\n")'));
      const out = join(box.root, 'out.ipynb');
      const r = containerStepCommand(nb, { notebookOut: out, kernel: 'r' });
      assert.ok(r.ok);
      const env = { ...process.env, PYTHONPATH: join(REPO, 'src', 'sdk', 'python') };
      const ran = await collect(spawn(r.argv[0]!, r.argv.slice(1), { env, stdio: ['ignore', 'pipe', 'pipe'] }));
      assert.equal(ran.code, 0, ran.stderr);
      assert.match(ran.stdout, /from R in the image script/);
      const jl = containerStepCommand(nb, { notebookOut: out, kernel: 'julia' });
      assert.ok(jl.ok);
      const none = await collect(spawn(jl.argv[0]!, jl.argv.slice(1), { env, stdio: ['ignore', 'pipe', 'pipe'] }));
      assert.equal(none.code, 127);
      assert.match(none.stderr, /berth: no Jupyter kernel for Julia in this image: install IJulia/);
      writeFileSync(out, '');
    } finally {
      box.cleanup();
    }
  });
});
