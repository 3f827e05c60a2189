import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { SDK_NODE_IMPORT, SDK_PYTHON_DIR } from '../../src/runs/step-sdk-environment.ts';
import { collect } from '../helpers/berth-cli.ts';

// A writer replaces its output over and over while a Python and a Node reader read it: every read
// must be one whole version (the name says which; every byte must match it), never a mix or a torn file.
describe('outputs being replaced are never read half-written', () => {
  const dir = mkdtempSync(join(tmpdir(), 'berth-atomic-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'pipeline.json'), JSON.stringify({ name: 'atomic', parameters: {}, steps: { w: { title: 'W', incoming_connections: [], parameters: {} }, r: { title: 'R', incoming_connections: ['w'], parameters: {} } } }));
  const env = (step: string) => ({ ...process.env, PYTHONPATH: SDK_PYTHON_DIR, ORCHEST_PIPELINE_PATH: join(dir, 'pipeline.json'), BERTH_OUTPUTS_DIR: join(dir, 'outputs'), ORCHEST_STEP_UUID: step, BERTH_RUN_UUID: 'run-1' });
  const python = (step: string, code: string) => spawn('python3', ['-c', code], { env: env(step), stdio: ['ignore', 'pipe', 'pipe'] });

  it('with a Python writer and Python and Node readers running at once', async () => {
    const size = 300_000;
    const writer = python('w', [
      'import os, orchest',
      `orchest.output(bytes([0]) * ${size}, "v0")`,
      `open(${JSON.stringify(join(dir, 'started'))}, "w").close()`,
      `for i in range(1, 300): orchest.output(bytes([i % 256]) * ${size}, f"v{i}")`,
      `open(${JSON.stringify(join(dir, 'done'))}, "w").close()`,
    ].join('\n'));
    const wait = `import os, time\nwhile not os.path.exists(${JSON.stringify(join(dir, 'started'))}): time.sleep(0.005)\n`;
    const pyReader = python('r', wait + [
      'import json, warnings, orchest',
      'warnings.simplefilter("ignore")',
      'reads = bad = 0',
      `while not os.path.exists(${JSON.stringify(join(dir, 'done'))}):`,
      '    inputs = orchest.get_inputs()',
      '    [(name, data)] = [(k, v) for k, v in inputs.items() if k != "unnamed"]',
      '    i = int(name[1:])',
      `    if len(data) != ${size} or data.count(bytes([i % 256])) != ${size}: bad += 1`,
      '    reads += 1',
      'print(json.dumps({"reads": reads, "bad": bad}))',
    ].join('\n'));
    const nodeReader = spawn(process.execPath, ['--import', SDK_NODE_IMPORT, '--input-type=module', '-e', [
      "import { existsSync } from 'node:fs';",
      "import { getInputs } from 'berth';",
      `while (!existsSync(${JSON.stringify(join(dir, 'started'))})) await new Promise((r) => setTimeout(r, 5));`,
      'console.warn = () => {};',
      'let reads = 0, bad = 0;',
      `while (!existsSync(${JSON.stringify(join(dir, 'done'))})) {`,
      '  const inputs = getInputs();',
      "  const [name, data] = Object.entries(inputs).find(([k]) => k !== 'unnamed');",
      '  const i = Number(name.slice(1));',
      `  if (data.length !== ${size} || data.some((b) => b !== i % 256)) bad++;`,
      '  reads++;',
      '}',
      'console.log(JSON.stringify({ reads, bad }));',
    ].join('\n')], { env: env('r'), stdio: ['ignore', 'pipe', 'pipe'] });
    const [w, py, js] = await Promise.all([collect(writer), collect(pyReader), collect(nodeReader)]);
    assert.equal(w.code, 0, w.stderr);
    assert.equal(py.code, 0, py.stderr);
    assert.equal(js.code, 0, js.stderr);
    for (const result of [JSON.parse(py.stdout), JSON.parse(js.stdout)]) {
      assert.equal(result.bad, 0);
      assert.ok(result.reads > 0, JSON.stringify(result));
    }
  });
});
