import assert from 'node:assert/strict';
import { test } from 'node:test';
import { NOTEBOOK_RUNNER } from '../runtimes/process/notebook-runner.ts';
import { containerStepCommand } from './container-step-command.ts';

test('step files run inside the container by extension, with container paths', () => {
  const opts = { notebookOut: '/berth-run/notebooks/s.ipynb' };
  assert.deepEqual(containerStepCommand('/project-dir/a.py', opts), { ok: true, argv: ['python3', '/project-dir/a.py'] });
  assert.deepEqual(containerStepCommand('/project-dir/a.mjs', opts), { ok: true, argv: ['node', '/project-dir/a.mjs'] });
  const sh = containerStepCommand('/project-dir/run', opts);
  assert.ok(sh.ok && sh.argv[0] === 'sh' && sh.argv.at(-1) === '/project-dir/run');
  const nb = containerStepCommand('/project-dir/n.ipynb', opts);
  assert.ok(nb.ok);
  assert.deepEqual([nb.argv[0], nb.argv[1], nb.argv[3], ...nb.argv.slice(4)], ['sh', '-c', NOTEBOOK_RUNNER, '/berth-run/notebooks/s.ipynb', '/project-dir/n.ipynb', 'python3']);
  assert.match(nb.argv[2]!, /import nbclient.*exec python3 -c "\$0" "\$@".*exec jupyter nbconvert --to notebook --execute \$\{3:\+--ExecutePreprocessor\.kernel_name=\$3\} --output "\$1" "\$2"/);
  const bad = containerStepCommand('/project-dir/a.exe', opts);
  assert.ok(!bad.ok && bad.reason.includes('.exe'));
});
