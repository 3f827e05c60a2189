import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, describe, it } from 'node:test';
import { parseJson, Sandbox } from '../helpers/berth-cli.ts';
import { dockerTestContext } from '../helpers/docker-test-context.ts';

const ctx = await dockerTestContext('notebooks on --runtime docker');
/** An image with Jupyter (scripts/build-test-images.sh builds it from Debian's packages when the host has them). */
const JUPYTER_IMAGE = 'berth-test/orchest-base-kernel-py:1';
const hasImage = ctx.available ? await ctx.docker.getImage(JUPYTER_IMAGE).inspect().then(() => true, () => false) : false;

function notebook(envUuid: string, ...sources: string[]): string {
  return JSON.stringify({
    cells: sources.map((source) => ({ cell_type: 'code', execution_count: null, metadata: {}, outputs: [], source })),
    metadata: { kernelspec: { display_name: 'x', language: 'x', name: `orchest-kernel-${envUuid}` } },
    nbformat: 4,
    nbformat_minor: 4,
  });
}

if (ctx.available) {
  describe('notebooks on --runtime docker: the kernel of the step’s language, cell output in the step log', { skip: hasImage ? false : `${JUPYTER_IMAGE} is not built (scripts/build-test-images.sh builds it where Debian's python3-ipykernel and jupyter-nbconvert are installed)` }, () => {
    const box = new Sandbox();
    after(() => box.cleanup());
    const PY = 'cccccccc-0000-4000-8000-00000000000a';
    const JL = 'cccccccc-0000-4000-8000-00000000000b';
    box.file(`.orchest/environments/${PY}/properties.json`, JSON.stringify({ name: 'Py', uuid: PY, language: 'python', base_image: JUPYTER_IMAGE }));
    box.file(`.orchest/environments/${JL}/properties.json`, JSON.stringify({ name: 'Julia', uuid: JL, language: 'julia', base_image: JUPYTER_IMAGE }));
    const step = (uuid: string, title: string, file: string, env: string) => ({ uuid, title, file_path: file, incoming_connections: [], environment: env, kernel: { name: 'python', display_name: 'Python 3' }, parameters: {}, meta_data: { hidden: false, position: [0, 0] } });

    it('a Python notebook prints into its log; a Julia notebook in an image without IJulia fails naming the language and the fix', { timeout: 300_000 }, async () => {
      box.file('py.ipynb', notebook(PY, 'print("cell output from the container")', '6 * 7'));
      box.file('jl.ipynb', notebook(JL, 'println("never")'));
      box.file('nb.orchest', JSON.stringify({
        name: 'docker-notebooks', uuid: '66666666-0000-4000-8000-000000000001', version: '1.0.0', parameters: {}, settings: {},
        steps: { 's-py': step('s-py', 'Py', 'py.ipynb', PY), 's-jl': step('s-jl', 'Julia', 'jl.ipynb', JL) },
      }));
      const res = await box.run(['run', 'nb.orchest', '--runtime', 'docker', '--json']);
      const report = parseJson(res.stdout);
      const log = (title: string) => readFileSync(report.steps.find((s: { title: string }) => s.title === title).log_path, 'utf8');
      assert.equal(report.steps.find((s: { title: string }) => s.title === 'Py').status, 'SUCCESS', res.stderr + log('Py'));
      assert.match(log('Py'), /cell output from the container/);
      assert.match(log('Py'), /^42$/m);
      const julia = report.steps.find((s: { title: string }) => s.title === 'Julia');
      assert.equal(julia.status, 'FAILURE');
      assert.equal(julia.exit_code, 127);
      assert.match(log('Julia'), /berth: no Jupyter kernel for Julia in this image: install IJulia/);
    });
  });
}
