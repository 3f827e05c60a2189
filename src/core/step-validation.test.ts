import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Problem } from '../errors.ts';
import { validatePipeline } from './pipeline-validation.ts';

const step = (uuid: string, title: string, parents: string[] = []): Record<string, any> => ({
  uuid, title, file_path: `${uuid}.py`, incoming_connections: parents, environment: 'env-1',
  kernel: { name: 'python', display_name: 'Python 3' }, parameters: {},
});
const withSteps = (...steps: Array<Record<string, any>>) => ({
  name: 'p', uuid: 'p-1', version: '1.2.3', settings: {}, steps: Object.fromEntries(steps.map((s) => [s.uuid, s])),
});
const problems = (raw: unknown, pipelineDir?: string) => validatePipeline(raw, { pipelineDir }).problems;

function problemAt(list: Problem[], path: string, message: RegExp): void {
  assert.ok(list.some((p) => p.path === path && message.test(p.message) && p.fix), `no problem at ${path} matching ${message}; got ${JSON.stringify(list, null, 1)}`);
}

describe('steps: fields', () => {
  test('a step that is not an object', () => {
    problemAt(problems({ ...withSteps(), steps: { a: 'x' } }), 'steps.a', /must be an object/);
  });

  test('missing uuid, title and file_path are named', () => {
    const list = problems({ ...withSteps(), steps: { a: {} } });
    problemAt(list, 'steps.a.uuid', /missing/);
    problemAt(list, 'steps.a.title', /missing/);
    problemAt(list, 'steps.a.file_path', /missing/);
  });

  test('wrong types are named', () => {
    const s = { ...step('a', 'A'), title: 1, incoming_connections: 'b', environment: 3, kernel: 'python', parameters: [], meta_data: { hidden: 'no', position: [1] } };
    const list = problems(withSteps(s));
    problemAt(list, 'steps.a.title', /must be a string, not a number/);
    problemAt(list, 'steps.a.incoming_connections', /must be an array/);
    problemAt(list, 'steps.a.environment', /must be a string/);
    problemAt(list, 'steps.a.kernel', /must be an object/);
    problemAt(list, 'steps.a.parameters', /must be an object, not an array/);
    problemAt(list, 'steps.a.meta_data.hidden', /true or false/);
    problemAt(list, 'steps.a.meta_data.position', /two numbers/);
  });

  test('the key must equal the uuid and be a usable id', () => {
    problemAt(problems({ ...withSteps(), steps: { a: step('b', 'B') } }), 'steps.a.uuid', /"b" differs from the step's key "a"/);
    problemAt(problems({ ...withSteps(), steps: { '../x': step('../x', 'X') } }), 'steps["../x"]', /not a valid step id/);
  });

  test('lenient: kernel, environment, meta_data, parameters and incoming_connections may be missing', () => {
    const result = validatePipeline(withSteps({ uuid: 'a', title: 'A', file_path: 'a.R' }, { uuid: 'b', title: '', file_path: 'run' }));
    assert.deepEqual(result.problems, []);
    const a = result.pipeline!.steps.a!;
    assert.deepEqual([a.environment, a.kernel, a.parameters, a.incoming_connections], ['', { name: 'r', display_name: 'R' }, {}, []]);
    assert.deepEqual(result.pipeline!.steps.b!.kernel, { name: 'python', display_name: 'Python 3' });
    assert.equal('meta_data' in a, false);
  });

  test('a kernel without display_name gets its name; without a name is a problem', () => {
    const ok = validatePipeline(withSteps({ ...step('a', 'A'), kernel: { name: 'julia' } }));
    assert.deepEqual(ok.pipeline?.steps.a?.kernel, { name: 'julia', display_name: 'julia' });
    problemAt(problems(withSteps({ ...step('a', 'A'), kernel: {} })), 'steps.a.kernel.name', /missing/);
  });
});

describe('steps: file_path', () => {
  const withPath = (file_path: unknown) => withSteps({ ...step('a', 'A'), file_path });

  test('empty and absolute paths', () => {
    problemAt(problems(withPath('')), 'steps.a.file_path', /empty/);
    problemAt(problems(withPath('/etc/x.py')), 'steps.a.file_path', /absolute/);
    problemAt(problems(withPath('C:\\x.py')), 'steps.a.file_path', /absolute/);
  });

  test('paths that escape the project, counted from the pipeline file folder', () => {
    problemAt(problems(withPath('../x.py')), 'steps.a.file_path', /outside the project/);
    problemAt(problems(withPath('a/../../x.py'), ''), 'steps.a.file_path', /outside the project/);
    problemAt(problems(withPath('../../x.py'), 'pipelines'), 'steps.a.file_path', /outside the project/);
    assert.deepEqual(problems(withPath('../scripts/x.py'), 'pipelines'), []);
    assert.deepEqual(problems(withPath('./sub/../x.py')), []);
  });

  test('folders are not files', () => {
    problemAt(problems(withPath('scripts/')), 'steps.a.file_path', /folder/);
    problemAt(problems(withPath('.')), 'steps.a.file_path', /folder/);
  });

  test('supported and unsupported extensions', () => {
    for (const ok of ['a.sh', 'run', 'a.py', 'a.js', 'a.mjs', 'a.ts', 'a.R', 'a.r', 'a.ipynb', 'a.jl', 'A.PY']) {
      assert.deepEqual(problems(withPath(ok)), [], ok);
    }
    problemAt(problems(withPath('a.exe')), 'steps.a.file_path', /"\.exe" cannot be run/);
  });
});

describe('steps: connections', () => {
  test('unknown incoming steps are named with the step', () => {
    problemAt(problems(withSteps(step('a', 'Load', ['ghost']))), 'steps.a.incoming_connections[0]', /step "Load" depends on unknown step "ghost"/);
  });

  test('a step listing itself, or a parent twice', () => {
    problemAt(problems(withSteps(step('a', 'A', ['a']))), 'steps.a.incoming_connections[0]', /lists itself/);
    problemAt(problems(withSteps(step('a', 'A'), step('b', 'B', ['a', 'a']))), 'steps.b.incoming_connections[1]', /more than once/);
    problemAt(problems(withSteps(step('a', 'A', [1 as unknown as string]))), 'steps.a.incoming_connections[0]', /must be a step uuid/);
  });

  test('cycles are printed with titles in run order', () => {
    const list = problems(withSteps(step('a', 'A', ['c']), step('b', 'B', ['a']), step('c', 'C', ['b']), step('d', 'D', ['c'])));
    assert.equal(list.length, 1);
    problemAt(list, 'steps.b.incoming_connections', /^steps form a cycle: A → B → C → A$/);
  });

  test('separate cycles are each reported', () => {
    const list = problems(withSteps(step('a', 'A', ['b']), step('b', 'B', ['a']), step('x', 'X', ['y']), step('y', 'Y', ['x'])));
    assert.deepEqual(list.map((p) => p.message), ['steps form a cycle: A → B → A', 'steps form a cycle: X → Y → X']);
  });

  test('duplicate uuids across keys are found by value', () => {
    const list = problems({ ...withSteps(), steps: { a: step('a', 'A'), b: step('a', 'Copy of A') } });
    problemAt(list, 'steps.b.uuid', /uuid "a" is also used by step "A"/);
  });
});
