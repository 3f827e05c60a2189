import assert from 'node:assert/strict';
import { openSync, readFileSync, readlinkSync, ftruncateSync, closeSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { Sandbox } from '../helpers/berth-cli.ts';
import { dataJson, runJson, sdkPipeline, stepOutputDir } from './sdk-test-kit.ts';

const save = (file: string) => `
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
const save = (value) => writeFileSync(join(process.env.BERTH_DATA_DIR, ${JSON.stringify(file)}), JSON.stringify(value, (k, v) => (typeof v === 'bigint' ? String(v) : v)));
`;
const pySave = (file: string) => `import json, os\nsave = lambda v: json.dump(v, open(os.path.join(os.environ["BERTH_DATA_DIR"], ${JSON.stringify(file)}), "w"))\n`;
const describeArrays = 'def arr(a):\n    return [type(a).__name__, a.typecode, a.tolist()] if hasattr(a, "typecode") else [type(a).__name__, list(a)]\n';

/** The data file of a step's current output (`index` 0: the first). */
function dataFile(box: Sandbox, report: any, title: string, serialization: string): string {
  const step = report.steps.find((s: { title: string }) => s.title === title).uuid;
  const dir = stepOutputDir(box, report, step);
  return join(dir, readlinkSync(join(dir, 'current')), `${step}.${serialization}`);
}

function truncate(path: string, keep: number): void {
  const fd = openSync(path, 'r+');
  ftruncateSync(fd, keep);
  closeSync(fd);
}

describe('tables between steps: out-of-band PICKLE and COLUMNS (real Python and Node steps)', () => {
  const box = new Sandbox();
  after(() => box.cleanup());

  it('PICKLE writes array.array and bytearray buffers out of band and reads them back (same types, shared objects kept); outputs in the old plain-pickle form still read', async () => {
    box.file('oob/parent.py', [
      'import array, orchest',
      'ids = array.array("q", range(-3, 100_000))',
      'orchest.output({"id": ids, "again": ids, "value": array.array("d", [0.5, -1.25]), "raw": bytearray(b"\\x00\\xff"), "small": array.array("i"), "text": "kept in band"}, "table")',
    ].join('\n'));
    // What the SDK wrote before out-of-band buffers: pickle.dump(data, f, HIGHEST_PROTOCOL).
    box.file('oob/old.py', [
      'import array, pickle',
      'from berth import config, store',
      'store.write_output(config.outputs_dir(), config.step_uuid(), config.run_uuid(), "old", "PICKLE",',
      '                   lambda f: pickle.dump({"a": array.array("q", [1, 2])}, f, protocol=pickle.HIGHEST_PROTOCOL), False)',
    ].join('\n'));
    box.file('oob/small.py', 'import orchest\norchest.output([1, "two"], "plain")\n');
    box.file('oob/child.py', [
      pySave('oob.json') + describeArrays + 'import orchest',
      'i = orchest.get_inputs()',
      't = i["table"]',
      'save({"id_len": len(t["id"]), "id": arr(t["id"])[:2] + [t["id"][:3].tolist(), t["id"][-1]], "same_object": t["id"] is t["again"],',
      '      "value": arr(t["value"]), "raw": arr(t["raw"]), "small": arr(t["small"]), "text": t["text"], "old": arr(i["old"]["a"]), "plain": i["plain"]})',
    ].join('\n'));
    sdkPipeline(box, 'oob', [
      { title: 'Parent', file: 'oob/parent.py' },
      { title: 'Old', file: 'oob/old.py' },
      { title: 'Small', file: 'oob/small.py' },
      { title: 'Child', file: 'oob/child.py', parents: ['Parent', 'Old', 'Small'] },
    ]);
    const { code, log, report } = await runJson(box, ['oob.orchest']);
    assert.equal(code, 0, log('Child'));
    assert.deepEqual(dataJson(box, 'oob.json'), {
      id_len: 100_003,
      id: ['array', 'q', [-3, -2, -1], 99_999],
      same_object: true,
      value: ['array', 'd', [0.5, -1.25]],
      raw: ['bytearray', [0, 255]],
      small: ['array', 'i', []],
      text: 'kept in band',
      old: ['array', 'q', [1, 2]],
      plain: [1, 'two'],
    });
    const oob = readFileSync(dataFile(box, report, 'Parent', 'PICKLE'));
    assert.equal(oob.subarray(0, 19).toString('latin1'), '\x00BERTH-PICKLE5-OOB\n');
    assert.ok(oob.length > 100_003 * 8, 'the id column is in the file once (the second reference is the same object)');
    assert.ok(oob.length < 100_003 * 8 * 2);
    assert.equal(readFileSync(dataFile(box, report, 'Small', 'PICKLE'))[0], 0x80, 'data without buffers stays a plain pickle (Orchest’s form)');

    // A cut-off file is a DeserializationError naming the step, not a wrong value.
    truncate(dataFile(box, report, 'Parent', 'PICKLE'), oob.length - 8);
    const cut = await runJson(box, ['oob.orchest', '--steps', 'Child']);
    assert.equal(cut.code, 1);
    assert.match(cut.log('Child'), /DeserializationError: output of step "Parent": cannot read its PICKLE data: out-of-band pickle: the file is shorter than its header says/);
  });

  it('COLUMNS: a JS table (outputTable, or output of an object of typed arrays) is one file that Python reads as array.array and JS as typed arrays; Python writes it for JS', async () => {
    box.file('cols/js-parent.mjs', [
      "import { output, outputTable } from 'berth';",
      'const n = 1000;',
      "outputTable({ id: new BigInt64Array(n).map((_, i) => BigInt(i) - 1n), value: new Float64Array(n).map((_, i) => i / 4), cat: new Int8Array(n).map((_, i) => i % 3), 'ü \"q\"': new Uint16Array(n).fill(65535) }, 'table', { multiple: true });",
      "output({ f: new Float32Array([1.5]), u: new BigUint64Array([18446744073709551615n]), c: new Uint8ClampedArray([300]) }, 'inferred', { multiple: true });",
    ].join('\n'));
    box.file('cols/py-parent.py', [
      'import array, orchest',
      'orchest.output_to_disk({"a": array.array("i", [1, -2, 3]), "b": memoryview(bytearray(b"xyz")), "c": array.array("d", [0.1, 0.2, 0.3])}, "pytable", serialization="COLUMNS")',
    ].join('\n'));
    box.file('cols/py-child.py', [
      pySave('cols-py.json') + describeArrays + 'import orchest',
      'i = orchest.get_inputs()',
      't = i["table"]',
      'save({"names": list(t), "id": [t["id"].typecode, t["id"][:2].tolist(), t["id"][-1]], "value": [t["value"].typecode, t["value"][-1]], "cat": [t["cat"].typecode, t["cat"][:4].tolist()],',
      '      "u16": [t["ü \\"q\\""].typecode, t["ü \\"q\\""][0]], "inferred": {k: arr(v) for k, v in i["inferred"].items()}})',
    ].join('\n'));
    box.file('cols/ts-child.ts', `${save('cols-js.json')}
import { getInputs, type Columns } from 'berth';
const t = getInputs().pytable as Columns;
save(Object.fromEntries(Object.entries(t).map(([k, v]) => [k, [v.constructor.name, [...v]]])));
`);
    sdkPipeline(box, 'cols', [
      { title: 'JS parent', file: 'cols/js-parent.mjs' },
      { title: 'Py parent', file: 'cols/py-parent.py' },
      { title: 'Py child', file: 'cols/py-child.py', parents: ['JS parent'] },
      { title: 'TS child', file: 'cols/ts-child.ts', parents: ['Py parent'] },
    ]);
    const { code, log, report } = await runJson(box, ['cols.orchest']);
    assert.equal(code, 0, log('Py child') + log('TS child'));
    assert.deepEqual(dataJson(box, 'cols-py.json'), {
      names: ['id', 'value', 'cat', 'ü "q"'],
      id: ['q', [-1, 0], 998],
      value: ['d', 249.75],
      cat: ['b', [0, 1, 2, 0]],
      u16: ['H', 65535],
      inferred: { f: ['array', 'f', [1.5]], u: ['array', 'Q', [18446744073709551615]], c: ['array', 'B', [255]] },
    });
    assert.deepEqual(dataJson(box, 'cols-js.json'), {
      a: ['Int32Array', [1, -2, 3]],
      b: ['Uint8Array', [120, 121, 122]],
      c: ['Float64Array', [0.1, 0.2, 0.3]],
    });
    const file = dataFile(box, report, 'JS parent', 'COLUMNS');
    const bytes = readFileSync(file);
    const headerEnd = bytes.indexOf(10) + 1;
    assert.equal(headerEnd % 8, 0, 'the header line is padded to 8 bytes');
    assert.deepEqual(JSON.parse(bytes.subarray(0, headerEnd).toString()).columns.map((c: any) => [c.name, c.type, c.length, c.offset]), [
      ['id', 'int64', 1000, 0],
      ['value', 'float64', 1000, 8000],
      ['cat', 'int8', 1000, 16000],
      ['ü "q"', 'uint16', 1000, 17000],
    ]);
    assert.equal(statSync(file).size, headerEnd + 19000, 'columns back to back, each padded to 8 bytes');
    assert.equal(bytes.readBigInt64LE(headerEnd), -1n, 'little-endian');

    truncate(file, headerEnd + 18000);
    const cut = await runJson(box, ['cols.orchest', '--steps', 'Py child']);
    assert.equal(cut.code, 1);
    assert.match(cut.log('Py child'), /DeserializationError: output of step "JS parent": cannot read its COLUMNS data: COLUMNS: column 'ü "q"' is cut off/);
  });

  it('COLUMNS errors: unequal lengths, columns that are not numeric arrays, empty tables, cut-off files read from JS', async () => {
    box.file('colerr/js.mjs', `${save('colerr-js.json')}
import { outputTable, outputToDisk } from 'berth';
const r = {};
const probe = (key, fn) => { try { fn(); r[key] = 'no error'; } catch (e) { r[key] = e.name + ': ' + e.message; } };
probe('unequal', () => outputTable({ a: new Int32Array(2), b: new Int32Array(3) }, 't'));
probe('not_typed', () => outputTable({ a: new Int32Array(2), b: [1, 2] }, 't'));
probe('dataview', () => outputToDisk({ a: new DataView(new ArrayBuffer(8)) }, 't', { serialization: 'COLUMNS' }));
probe('empty', () => outputTable({}, 't'));
probe('array', () => outputTable(null, 't'));
save(r);
`);
    box.file('colerr/py.py', [
      pySave('colerr-py.json') + 'import array, orchest',
      'r = {}',
      'def probe(key, fn):',
      '    try:',
      '        fn()',
      '        r[key] = "no error"',
      '    except Exception as e:',
      '        r[key] = f"{type(e).__name__}: {e}"',
      'col = lambda data: orchest.output_to_disk(data, "t", serialization="COLUMNS")',
      'probe("unequal", lambda: col({"a": array.array("i", [1]), "b": array.array("i", [1, 2])}))',
      'probe("list", lambda: col({"a": [1, 2]}))',
      'probe("text", lambda: col({"a": array.array("u", "hi")}))',
      'probe("not_dict", lambda: col([array.array("i", [1])]))',
      'probe("key", lambda: col({1: array.array("i", [1])}))',
      'save(r)',
    ].join('\n'));
    box.file('colerr/parent.py', 'import array, orchest\norchest.output_to_disk({"a": array.array("d", [1.0] * 100)}, "t", serialization="COLUMNS")\n');
    box.file('colerr/js-child.mjs', "import { getInputs } from 'berth';\ngetInputs();\n");
    sdkPipeline(box, 'colerr', [
      { title: 'JS', file: 'colerr/js.mjs' },
      { title: 'Py', file: 'colerr/py.py' },
      { title: 'Parent', file: 'colerr/parent.py' },
      { title: 'JS child', file: 'colerr/js-child.mjs', parents: ['Parent'] },
    ]);
    const { code, log, report } = await runJson(box, ['colerr.orchest']);
    assert.equal(code, 0, log('JS') + log('Py') + log('JS child'));
    const js = dataJson(box, 'colerr-js.json');
    assert.equal(js.unequal, 'SerializationError: COLUMNS: column "b" has 3 rows, "a" has 2: columns need equal lengths');
    assert.match(js.not_typed, /^SerializationError: COLUMNS: column "b" is not a typed array/);
    assert.match(js.dataview, /^SerializationError: COLUMNS: column "a" is not a typed array/);
    assert.match(js.empty, /^SerializationError: COLUMNS needs a non-empty object of column name -> typed array/);
    assert.match(js.array, /^SerializationError: COLUMNS needs a non-empty object/);
    const py = dataJson(box, 'colerr-py.json');
    assert.equal(py.unequal, "SerializationError: COLUMNS: column 'b' has 2 rows, 'a' has 1: columns need equal lengths");
    assert.match(py.list, /^SerializationError: COLUMNS: column 'a' is a list, not an array.array or other 1-D buffer/);
    assert.match(py.text, /^SerializationError: COLUMNS: column 'a' has format '(w|u)' and 1 dimensions: use 1-D numeric columns \(int8, .*float64\)/);
    assert.match(py.not_dict, /^SerializationError: COLUMNS needs a non-empty dict of column name -> array, not list/);
    assert.match(py.key, /^SerializationError: COLUMNS: column names are strings, not int/);

    truncate(dataFile(box, report, 'Parent', 'COLUMNS'), 100);
    const cut = await runJson(box, ['colerr.orchest', '--steps', 'JS child']);
    assert.equal(cut.code, 1);
    assert.match(cut.log('JS child'), /DeserializationError: the output of step "Parent": column "a" is cut off/);
  });
});
