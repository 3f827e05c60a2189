import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { Sandbox } from '../helpers/berth-cli.ts';
import { dataJson, runJson, sdkPipeline } from './sdk-test-kit.ts';

const save = (file: string) => `
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
const save = (value) => writeFileSync(join(process.env.BERTH_DATA_DIR, ${JSON.stringify(file)}), JSON.stringify(value));
`;

describe('JS/TS SDK in real steps (import … from "berth", nothing installed)', () => {
  const box = new Sandbox();
  after(() => box.cleanup());

  it('.mjs, .ts and CommonJS .js steps exchange JSON and BYTES with Python steps, with params and services', async () => {
    box.file('mix/py-parent.py', 'import orchest\norchest.output_to_disk({"n": [1, 2, 3]}, "table", serialization="JSON")\n');
    box.file('mix/js-parent.mjs', "import { output } from 'berth';\noutput(Buffer.from([1, 2, 255]), null);\noutput({ from: 'js' }, 'meta', { multiple: true });\noutput(new Uint8Array([7]).buffer, 'buf', { multiple: true });\n");
    box.file('mix/ts-child.ts', `${save('ts.json')}
import { getInputs, getParams, getStepParam, getPipelineParam, getService, getServices, output, type Inputs } from 'berth';
const inputs: Inputs = getInputs();
const raw = inputs.unnamed[0] as Buffer;
const redis = getService('redis');
save({ table: inputs.table, meta: inputs.meta, buf: [...(inputs.buf as Buffer)], raw: [...raw], params: getParams(), alpha: getStepParam('alpha'), dflt: getStepParam('nope', 'd'), rate: getPipelineParam('rate'), services: Object.keys(getServices()), redis });
output({ sum: (inputs.table as { n: number[] }).n.reduce((a, b) => a + b, 0) }, 'sum');
`);
    box.file('mix/cjs-child.js', "const { getInputs, outputToDisk } = require('berth');\nconst { sum } = getInputs();\noutputToDisk(sum, 'total', { serialization: 'JSON' });\n");
    box.file('mix/py-last.py', 'import json, os, orchest\njson.dump(orchest.get_inputs(), open(os.path.join(os.environ["BERTH_DATA_DIR"], "py-last.json"), "w"))\n');
    sdkPipeline(box, 'mix', [
      { title: 'Py parent', file: 'mix/py-parent.py' },
      { title: 'JS parent', file: 'mix/js-parent.mjs' },
      { title: 'TS child', file: 'mix/ts-child.ts', parents: ['JS parent', 'Py parent'], parameters: { alpha: [1] } },
      { title: 'CJS child', file: 'mix/cjs-child.js', parents: ['TS child'] },
      { title: 'Py last', file: 'mix/py-last.py', parents: ['CJS child'] },
    ], {
      parameters: { rate: 3 },
      services: { redis: { name: 'redis', image: 'redis', ports: [6379], exposed: true, preserve_base_path: true, scope: ['interactive'], order: 0 }, batch: { name: 'batch', image: 'x', ports: [80], exposed: false, scope: ['noninteractive'], order: 1 } },
    });
    const { code, log } = await runJson(box, ['mix.orchest', '--step-param', 'TS child.alpha=2']);
    assert.equal(code, 0, log('TS child') + log('CJS child'));
    const ts = dataJson(box, 'ts.json');
    assert.deepEqual(ts.table, { n: [1, 2, 3] });
    assert.deepEqual(ts.meta, { from: 'js' });
    assert.deepEqual(ts.buf, [7]);
    assert.deepEqual(ts.raw, [1, 2, 255]);
    assert.deepEqual(ts.params, { step: { alpha: 2 }, pipeline: { rate: 3 } });
    assert.equal(ts.alpha, 2);
    assert.equal(ts.dflt, 'd');
    assert.equal(ts.rate, 3);
    assert.deepEqual(ts.services, ['redis'], 'only the services of an interactive session');
    assert.match(ts.redis.internal_hostname, /^redis-[0-9a-f-]{36}$/);
    const session = ts.redis.internal_hostname.slice('redis-'.length);
    assert.deepEqual(ts.redis.base_paths, { 6379: `/pbp-service-redis-${session}_6379` });
    assert.deepEqual(ts.redis.external_urls, { 6379: `http://{host_name}:{port}/pbp-service-redis-${session}_6379` });
    assert.equal(ts.redis.scope, undefined);
    assert.equal(ts.redis.image, 'redis');
    assert.deepEqual(dataJson(box, 'py-last.json'), { unnamed: [], total: { sum: 6 } });
  });

  it('throws every documented error with a clear message', async () => {
    box.file('jerr/a.py', 'import orchest\norchest.output_to_disk(1, "same", serialization="JSON")\n');
    box.file('jerr/p.py', 'import orchest\norchest.output({1, 2}, "a set")\n');
    box.file('jerr/b.mjs', "import { output } from 'berth';\noutput(1, 'same');\n");
    box.file('jerr/silent.sh', 'echo no output\n');
    box.file('jerr/probe.mjs', `${save('jerr.json')}
import * as sdk from 'berth';
const results = {};
const probe = (key, fn) => { try { fn(); results[key] = 'no error'; } catch (e) { results[key] = e.name + ': ' + e.message; } };
probe('collision', () => sdk.getInputs());
probe('name_unnamed', () => sdk.output(1, 'unnamed'));
probe('name_separator', () => sdk.output(1, 'a; b'));
probe('name_empty', () => sdk.output(1, ''));
probe('name_control', () => sdk.output(1, 'a\\tb'));
probe('name_oversized', () => sdk.output(1, 'n'.repeat(300)));
probe('name_type', () => sdk.output(1, 42));
probe('ser_unknown', () => sdk.outputToDisk(1, 'x', { serialization: 'XML' }));
probe('ser_pickle', () => sdk.outputToDisk(1, 'x', { serialization: 'PICKLE' }));
probe('ser_bigint', () => sdk.output(10n, 'x'));
probe('ser_undefined', () => sdk.output(undefined, 'x'));
probe('ser_bytes', () => sdk.outputToDisk('text', 'x', { serialization: 'BYTES' }));
probe('service', () => sdk.getService('nope'));
probe('max_name_ok', () => sdk.output(1, 'é'.repeat(127)));
save(results);
`);
    box.file('jerr/pickled.mjs', `${save('pickled.json')}
import { getInputs, DeserializationError } from 'berth';
try { getInputs(); } catch (e) { save({ error: e.name + ': ' + e.message, isClass: e instanceof DeserializationError }); }
`);
    box.file('jerr/missing.ts', `${save('jmissing.json')}
import { getInputs, OutputNotFoundError } from 'berth';
let missing = '';
try { getInputs(); } catch (e) { if (e instanceof OutputNotFoundError) missing = e.message; }
save({ missing, ignored: getInputs({ ignoreFailure: true }) });
getInputs();
`);
    sdkPipeline(box, 'jerr', [
      { title: 'A', file: 'jerr/a.py' },
      { title: 'B', file: 'jerr/b.mjs' },
      { title: 'Silent', file: 'jerr/silent.sh' },
      { title: 'Probe', file: 'jerr/probe.mjs', parents: ['A', 'B'] },
      { title: 'P', file: 'jerr/p.py' },
      { title: 'Pickled', file: 'jerr/pickled.mjs', parents: ['P'] },
      { title: 'Missing', file: 'jerr/missing.ts', parents: ['Silent'] },
    ]);
    const { code, step, log } = await runJson(box, ['jerr.orchest']);
    assert.equal(code, 1);
    assert.equal(step('Probe').status, 'SUCCESS', log('Probe'));
    const r = dataJson(box, 'jerr.json');
    assert.equal(r.collision, 'InputNameCollisionError: the outputs of incoming steps "A" and "B" are both named "same": give them different names');
    assert.match(r.name_unnamed, /^DataInvalidNameError: "unnamed" is reserved/);
    assert.match(r.name_separator, /^DataInvalidNameError: .*contains "; "/);
    assert.match(r.name_empty, /^DataInvalidNameError: an output name must not be empty/);
    assert.match(r.name_control, /^DataInvalidNameError: .*control character/);
    assert.match(r.name_oversized, /^DataInvalidNameError: .*300 bytes of UTF-8; the limit is 255/);
    assert.match(r.name_type, /^DataInvalidNameError: an output name must be a string or null, not number/);
    assert.match(r.ser_unknown, /^SerializationError: unknown serialization "XML": use JSON or BYTES/);
    assert.match(r.ser_pickle, /^SerializationError: PICKLE can only be written from Python steps/);
    assert.match(r.ser_bigint, /^SerializationError: cannot write bigint as JSON/);
    assert.match(r.ser_undefined, /^SerializationError: cannot write undefined as JSON: it has no JSON form/);
    assert.match(r.ser_bytes, /^SerializationError: BYTES needs a Uint8Array/);
    assert.match(r.service, /^ServiceNotFound: Could not find service with name nope/);
    assert.equal(r.max_name_ok, 'no error');
    const pickled = dataJson(box, 'pickled.json');
    assert.match(pickled.error, /^DeserializationError: the output of step "P" was written as PICKLE, which only Python steps can read/);
    assert.equal(pickled.isClass, true);
    const missing = dataJson(box, 'jmissing.json');
    assert.match(missing.missing, /incoming step "Silent" .* has no output/);
    assert.deepEqual(missing.ignored, { unnamed: [null] });
    assert.equal(step('Missing').status, 'FAILURE');
    assert.match(log('Missing'), /OutputNotFoundError: incoming step "Silent"/);
    assert.match(log('Missing'), /getInputs\(\) was already called/);
  });

  it('one output per step unless { multiple: true }; a second output warns', async () => {
    box.file('jm/twice.mjs', "import { output } from 'berth';\noutput(1, 'a');\noutput(2, 'b');\n");
    box.file('jm/many.mjs', "import { output } from 'berth';\noutput(1, 'x', { multiple: true });\noutput(2, 'y', { multiple: true });\noutput(3, 'x', { multiple: true });\n");
    box.file('jm/child.mjs', `${save('jm.json')}\nimport { getInputs } from 'berth';\nsave(getInputs());\n`);
    sdkPipeline(box, 'jm', [{ title: 'Twice', file: 'jm/twice.mjs' }, { title: 'Many', file: 'jm/many.mjs' }, { title: 'Child', file: 'jm/child.mjs', parents: ['Twice', 'Many'] }]);
    const { code, log } = await runJson(box, ['jm.orchest']);
    assert.equal(code, 0, log('Child'));
    assert.deepEqual(dataJson(box, 'jm.json'), { unnamed: [], b: 2, x: 3, y: 2 });
    assert.match(log('Twice'), /already wrote an output in this run; the new output replaces it/);
    assert.doesNotMatch(log('Many'), /replaces it/);
  });
});
