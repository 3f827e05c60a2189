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
    argv: ['jupyter', 'nbconvert', '--to', 'notebook', '--execute', '--ExecutePreprocessor.kernel_name=python3', '--output', '/berth-run/notebooks/s.ipynb', '/project-dir/n.ipynb'],
  });
  const bad = containerStepCommand('/project-dir/a.exe', opts);
  assert.ok(!bad.ok && bad.reason.includes('.exe'));
});
