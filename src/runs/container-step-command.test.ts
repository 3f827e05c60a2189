import assert from 'node:assert/strict';
import { test } from 'node:test';
import { containerStepCommand } from './container-step-command.ts';

test('step files run inside the container by extension, with container paths', () => {
  const opts = { notebookOut: '/berth-run/notebooks/s.ipynb' };
  assert.deepEqual(containerStepCommand('/project-dir/a.py', opts), { ok: true, argv: ['python3', '/project-dir/a.py'] });
  assert.deepEqual(containerStepCommand('/project-dir/a.mjs', opts), { ok: true, argv: ['node', '/project-dir/a.mjs'] });
  const sh = containerStepCommand('/project-dir/run', opts);
  assert.ok(sh.ok && sh.argv[0] === 'sh' && sh.argv.at(-1) === '/project-dir/run');
  assert.deepEqual(containerStepCommand('/project-dir/n.ipynb', opts), {
    ok: true,
    argv: ['jupyter', 'nbconvert', '--to', 'notebook', '--NotebookExporter.preprocessors=berth.notebook_log.StreamingExecutePreprocessor', '--ExecutePreprocessor.kernel_name=python3', '--output', '/berth-run/notebooks/s.ipynb', '/project-dir/n.ipynb'],
  });
  const r = containerStepCommand('/project-dir/n.ipynb', { ...opts, kernel: 'r' });
  assert.ok(r.ok && r.argv[0] === 'sh' && r.argv.includes('^ir') && r.argv.at(-1) === '/project-dir/n.ipynb');
  const unknown = containerStepCommand('/project-dir/n.ipynb', { ...opts, kernel: 'cobol' });
  assert.ok(!unknown.ok && unknown.reason.includes('"cobol" is no language Berth knows'));
  const bad = containerStepCommand('/project-dir/a.exe', opts);
  assert.ok(!bad.ok && bad.reason.includes('.exe'));
});
