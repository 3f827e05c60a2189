import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { isBerthError, type Problem } from '../errors.ts';
import { parsePipeline, serializePipeline, validatePipeline } from './pipeline-validation.ts';

const step = (uuid: string, title: string, parents: string[] = []) => ({
  uuid, title, file_path: `${uuid}.py`, incoming_connections: parents, environment: 'env-1',
  kernel: { name: 'python', display_name: 'Python 3' }, parameters: {},
});
const pipeline = (): Record<string, any> => ({
  name: 'p', uuid: 'p-1', version: '1.2.3', parameters: {}, settings: {},
  steps: { a: step('a', 'A'), b: step('b', 'B', ['a']) },
});

function problemAt(problems: Problem[], path: string, message: RegExp): Problem {
  const found = problems.find((p) => p.path === path && message.test(p.message));
  assert.ok(found, `no problem at ${path} matching ${message}; got ${JSON.stringify(problems, null, 1)}`);
  assert.ok(found.fix && found.fix.length > 0, 'every problem says how to fix it');
  return found;
}

describe('validatePipeline: the file as a whole', () => {
  test('a valid pipeline has no problems and comes back migrated', () => {
    const { pipeline: p, problems } = validatePipeline(pipeline());
    assert.deepEqual(problems, []);
    assert.equal(p?.version, '1.2.3');
    assert.deepEqual(p?.steps.b?.incoming_connections, ['a']);
  });

  test('anything but a JSON object is one problem at the root', () => {
    for (const raw of [null, [], 'x', 3, undefined]) {
      const { pipeline: p, problems } = validatePipeline(raw);
      assert.equal(p, null);
      assert.equal(problems.length, 1);
      problemAt(problems, '(root)', /must be a JSON object/);
    }
  });

  test('missing required fields are each named', () => {
    const { problems } = validatePipeline({ version: '1.2.3' });
    problemAt(problems, 'name', /missing/);
    problemAt(problems, 'uuid', /missing/);
    problemAt(problems, 'settings', /missing/);
    problemAt(problems, 'steps', /missing/);
    assert.equal(problems.length, 4);
  });

  test('wrongly typed fields say what they got', () => {
    const raw = { ...pipeline(), name: 7, uuid: 'has space', settings: [], steps: 'x', parameters: [1], services: 2 };
    const { problems } = validatePipeline(raw);
    problemAt(problems, 'name', /must be a string, not a number/);
    problemAt(problems, 'uuid', /not a valid pipeline uuid/);
    problemAt(problems, 'settings', /must be an object, not an array/);
    problemAt(problems, 'steps', /not a string/);
    problemAt(problems, 'parameters', /must be an object/);
    problemAt(problems, 'services', /must be an object/);
  });

  test('name: empty or longer than 255 characters', () => {
    problemAt(validatePipeline({ ...pipeline(), name: ' ' }).problems, 'name', /empty/);
    problemAt(validatePipeline({ ...pipeline(), name: 'x'.repeat(256) }).problems, 'name', /256 characters.*255/);
    assert.deepEqual(validatePipeline({ ...pipeline(), name: 'x'.repeat(255) }).problems, []);
  });

  test('missing parameters default to {}', () => {
    const raw = pipeline();
    delete raw.parameters;
    assert.deepEqual(validatePipeline(raw).pipeline?.parameters, {});
  });

  test('unsupported versions', () => {
    problemAt(validatePipeline({ ...pipeline(), version: '1.3.0' }).problems, 'version', /1\.3\.0 is newer/);
    problemAt(validatePipeline({ ...pipeline(), version: 'banana' }).problems, 'version', /"banana" is not a pipeline file version/);
    problemAt(validatePipeline({ ...pipeline(), version: '1.1.5' }).problems, 'version', /not a pipeline file version/);
    problemAt(validatePipeline({ ...pipeline(), version: 2 }).problems, 'version', /must be a string/);
  });

  test('all problems are reported at once', () => {
    const raw = pipeline();
    raw.name = '';
    raw.settings = { max_steps_parallelism: -1 };
    raw.steps.a.file_path = '/etc/passwd';
    raw.steps.b.incoming_connections = ['ghost'];
    const paths = validatePipeline(raw).problems.map((p) => p.path).sort();
    assert.deepEqual(paths, ['name', 'settings.max_steps_parallelism', 'steps.a.file_path', 'steps.b.incoming_connections[0]']);
  });

  test('never changes its input', () => {
    const raw = { ...pipeline(), version: '1.0.0' };
    const before = structuredClone(raw);
    validatePipeline(raw);
    assert.deepEqual(raw, before);
  });

  test("Berth's own fields are kept", () => {
    const raw = pipeline();
    raw.berth = { owner: 'team-a' };
    raw.steps.a.berth_retries = 2;
    const p = validatePipeline(raw).pipeline;
    assert.deepEqual(p?.berth, { owner: 'team-a' });
    assert.equal(p?.steps.a?.berth_retries, 2);
  });
});

describe('validatePipeline: settings', () => {
  test('max_steps_parallelism must be a whole number ≥ 0; absent stays absent', () => {
    for (const bad of [-1, 1.5, '2', null]) {
      problemAt(validatePipeline({ ...pipeline(), settings: { max_steps_parallelism: bad } }).problems, 'settings.max_steps_parallelism', /not a whole number/);
    }
    assert.deepEqual(validatePipeline({ ...pipeline(), settings: { max_steps_parallelism: 0 } }).problems, []);
    assert.equal('max_steps_parallelism' in validatePipeline(pipeline()).pipeline!.settings, false);
  });

  test('data_passing_memory_size must look like "1GB"', () => {
    for (const ok of ['1GB', '512 MB', '1.5KB']) assert.deepEqual(validatePipeline({ ...pipeline(), settings: { data_passing_memory_size: ok } }).problems, []);
    for (const bad of ['1 TB', 'GB', '1gb', 5]) {
      problemAt(validatePipeline({ ...pipeline(), settings: { data_passing_memory_size: bad } }).problems, 'settings.data_passing_memory_size', /not a size/);
    }
  });

  test('auto_eviction must be a boolean; unknown settings are kept', () => {
    problemAt(validatePipeline({ ...pipeline(), settings: { auto_eviction: 'no' } }).problems, 'settings.auto_eviction', /true or false/);
    assert.equal(validatePipeline({ ...pipeline(), settings: { berth_x: 1 } }).pipeline?.settings.berth_x, 1);
  });
});

describe('parsePipeline and serializePipeline', () => {
  test('parsePipeline throws BERTH_E_INVALID_PIPELINE with every problem', () => {
    const raw = { ...pipeline(), name: '', settings: 1 };
    assert.throws(
      () => parsePipeline(raw),
      (e: unknown) => isBerthError(e) && e.code === 'BERTH_E_INVALID_PIPELINE' && e.problems.length === 2 && /2 problems/.test(e.message),
    );
  });

  test('parsePipeline returns the definition when valid', () => {
    assert.equal(parsePipeline(pipeline()).name, 'p');
  });

  test('serializePipeline writes 1.2.3 with sorted keys, 4-space indentation and a trailing newline', () => {
    const text = serializePipeline(parsePipeline({ ...pipeline(), version: '1.0.0' }));
    assert.ok(text.endsWith('}\n'));
    assert.match(text, /^{\n {4}"name": "p",\n {4}"parameters": {},/);
    const back = JSON.parse(text);
    assert.equal(back.version, '1.2.3');
    assert.deepEqual(Object.keys(back), [...Object.keys(back)].sort());
    assert.deepEqual(parsePipeline(back), parsePipeline(pipeline()));
  });

  test('serializing keeps the order of incoming connections', () => {
    const raw = pipeline();
    raw.steps.c = step('c', 'C', ['b', 'a']);
    const back = JSON.parse(serializePipeline(parsePipeline(raw)));
    assert.deepEqual(back.steps.c.incoming_connections, ['b', 'a']);
  });
});
