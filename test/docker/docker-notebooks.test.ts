import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { parseJson, Sandbox } from '../helpers/berth-cli.ts';
import { dockerTestContext } from '../helpers/docker-test-context.ts';
import { eventually } from '../helpers/eventually.ts';

const ctx = await dockerTestContext('notebooks on --runtime docker');
/** An image with Jupyter (scripts/build-test-images.sh builds it from Debian's packages when the host has them). */
const JUPYTER_IMAGE = 'berth-test/orchest-base-kernel-py:2';
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
      // The live runner's format, as on the process runtime: each line prefixed by its cell's execution count.
      assert.match(log('Py'), /^\[1\] cell output from the container$/m);
      assert.match(log('Py'), /^\[2\] 42$/m);
      const julia = report.steps.find((s: { title: string }) => s.title === 'Julia');
      assert.equal(julia.status, 'FAILURE');
      assert.equal(julia.exit_code, 127);
      assert.match(log('Julia'), /berth: no Jupyter kernel for Julia in this image: install IJulia/);
    });

    it('cell output reaches the step log while the notebook still runs (the live runner, as on the process runtime); nbconvert says nothing there', { timeout: 300_000 }, async () => {
      box.file('live.ipynb', notebook(PY,
        'print("first cell done", flush=True)',
        'import os, time\nwhile not os.path.exists("/data/berth-live-gate"):\n    time.sleep(0.2)\nprint("second cell done")',
      ));
      box.file('live.orchest', JSON.stringify({
        name: 'docker-live', uuid: '66666666-0000-4000-8000-000000000002', version: '1.0.0', parameters: {}, settings: {},
        steps: { 's-live': step('s-live', 'Live', 'live.ipynb', PY) },
      }));
      const gate = join(box.home, 'data', 'berth-live-gate');
      const child = box.spawn(['run', 'live.orchest', '--runtime', 'docker', '--json']);
      let stdout = '';
      child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
      const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
      try {
        // The first cell's line is in the log while the second cell waits for the gate.
        const logPath = await eventually('the live step log', () => {
          const runs = join(box.home, 'runs');
          if (!existsSync(runs)) return undefined;
          for (const run of readdirSync(runs)) {
            const path = join(runs, run, 'logs', 's-live.log');
            if (existsSync(path) && /^\[1\] first cell done$/m.test(readFileSync(path, 'utf8'))) return path;
          }
          return undefined;
        }, 240_000);
        assert.equal(existsSync(gate), false);
        assert.doesNotMatch(readFileSync(logPath, 'utf8'), /second cell done/);
        writeFileSync(gate, '');
        assert.equal(await exited, 0, stdout);
        const log = readFileSync(logPath, 'utf8');
        assert.match(log, /^\[2\] second cell done$/m);
        assert.doesNotMatch(log, /NbConvertApp|Debugger warning|frozen modules/, log);
      } finally {
        if (!existsSync(gate)) writeFileSync(gate, '');
        await exited;
      }
    });
  });
}
