import assert from 'node:assert/strict';
import { test } from 'node:test';
import { containerStepCommand } from './container-step-command.ts';

test('step files run inside the container by extension, with container paths', () => {
  const opts = { notebookOut: '/berth-run/notebooks/s.ipynb' };
  assert.deepEqual(containerStepCommand('/project-dir/a.py', opts), { ok: true, argv: ['python3', '/project-dir/a.py'] });
  assert.deepEqual(containerStepCommand('/project-dir/a.mjs', opts), { ok: true, argv: ['node', '/project-dir/a.mjs'] });
  const sh = containerStepCommand('/project-dir/run', opts);
  assert.ok(sh.ok && sh.argv[0] === 'sh' && sh.argv.at(-1) === '/project-dir/run');
  // Notebooks: the live runner (or nbconvert where the image's Python lacks nbclient); OUT NOTEBOOK RUNNER PATTERN LABEL HINT NBCONVERT_ARGS.
  const py = containerStepCommand('/project-dir/n.ipynb', opts);
  assert.ok(py.ok && py.argv[0] === 'sh');
  assert.deepEqual(py.argv.slice(4, 6), ['/berth-run/notebooks/s.ipynb', '/project-dir/n.ipynb']);
  assert.match(py.argv[6]!, /class LiveClient\(NotebookClient\)/);
  assert.deepEqual(py.argv.slice(7, 9), ['', 'Python']);
  const r = containerStepCommand('/project-dir/n.ipynb', { ...opts, kernel: 'r' });
  assert.ok(r.ok && r.argv[0] === 'sh' && r.argv[7] === '^ir' && r.argv.at(-1) === '--NotebookExporter.preprocessors=berth.notebook_log.StreamingExecutePreprocessor');
  const unknown = containerStepCommand('/project-dir/n.ipynb', { ...opts, kernel: 'cobol' });
  assert.ok(!unknown.ok && unknown.reason.includes('"cobol" is no language Berth knows'));
  const bad = containerStepCommand('/project-dir/a.exe', opts);
  assert.ok(!bad.ok && bad.reason.includes('.exe'));
});
