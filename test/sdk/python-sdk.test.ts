import assert from 'node:assert/strict';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { Sandbox } from '../helpers/berth-cli.ts';
import { dataJson, runJson, sdkPipeline, stepOutputDir } from './sdk-test-kit.ts';

describe('Python SDK in real steps (import orchest / import berth)', () => {
  const box = new Sandbox();
  after(() => box.cleanup());

  it('get_inputs returns parents in incoming_connections order, named and unnamed, in every serialization; HEAD records sit next to the data', async () => {
    box.file('order/p1.py', 'import orchest\norchest.output("first", None)\n');
    box.file('order/p2.py', 'import berth\nberth.output({"a": (1, 2), "s": {3}}, "obj")\n');
    box.file('order/p3.py', 'import orchest\norchest.output_to_disk([1, "x", None], "js", serialization="JSON")\n');
    box.file('order/p4.py', 'import orchest\norchest.output(b"\\x00\\xffraw", None)\n');
    box.file('order/child.py', [
      'import json, os, orchest',
      'inputs = orchest.get_inputs()',
      'out = {"unnamed": [v if isinstance(v, str) else v.hex() for v in inputs["unnamed"]],',
      '       "obj": {"a": list(inputs["obj"]["a"]), "s": sorted(inputs["obj"]["s"]), "tuple": isinstance(inputs["obj"]["a"], tuple)},',
      '       "js": inputs["js"], "keys": sorted(inputs)}',
      'json.dump(out, open(os.path.join(os.environ["BERTH_DATA_DIR"], "order.json"), "w"))',
    ].join('\n'));
    // The child's connections list P4 before P1: unnamed inputs follow that order, not titles or files.
    sdkPipeline(box, 'order', [
      { title: 'P1', file: 'order/p1.py' },
      { title: 'P2', file: 'order/p2.py' },
      { title: 'P3', file: 'order/p3.py' },
      { title: 'P4', file: 'order/p4.py' },
      { title: 'Child', file: 'order/child.py', parents: ['P4', 'P2', 'P1', 'P3'] },
    ]);
    const { code, report, log } = await runJson(box, ['order.orchest']);
    assert.equal(code, 0, log('Child'));
    assert.deepEqual(dataJson(box, 'order.json'), {
      unnamed: ['00ff726177', 'first'],
      obj: { a: [1, 2], s: [3], tuple: true },
      js: [1, 'x', null],
      keys: ['js', 'obj', 'unnamed'],
    });
    const p2 = report.steps.find((s: any) => s.title === 'P2').uuid;
    const stepDir = stepOutputDir(box, report, p2);
    const version = join(stepDir, readlinkSync(join(stepDir, 'current')));
    assert.match(readFileSync(join(version, 'HEAD'), 'utf8'), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d; PICKLE; obj\n$/);
    assert.ok(readdirSync(version).includes(`${p2}.PICKLE`));
  });

  it('parameters: file values, --param and --step-param overrides; get_params, get_step_param, get_pipeline_param and orchest.parameters', async () => {
    box.file('params/step.py', [
      'import json, os',
      'import orchest, orchest.parameters as op',
      'step, pipe = op.get_params()',
      'out = {"step": step, "pipeline": pipe, "alpha": orchest.get_step_param("alpha"), "missing": orchest.get_step_param("nope", "dflt"),',
      '       "rate": orchest.get_pipeline_param("rate"), "pmissing": orchest.get_pipeline_param("nope")}',
      'json.dump(out, open(os.path.join(os.environ["BERTH_DATA_DIR"], "params.json"), "w"))',
    ].join('\n'));
    sdkPipeline(box, 'params', [{ title: 'Train v1.2', file: 'params/step.py', parameters: { alpha: 1, beta: 'b' } }], { parameters: { rate: 0.1, keep: true } });
    const { code, stderr } = await runJson(box, ['params.orchest', '--param', 'rate=0.5', '--step-param', 'Train v1.2.alpha={"deep":[1]}', '--step-param', 'Train v1.2.gamma=text']);
    assert.equal(code, 0, stderr);
    assert.deepEqual(dataJson(box, 'params.json'), {
      step: { alpha: { deep: [1] }, beta: 'b', gamma: 'text' },
      pipeline: { rate: 0.5, keep: true },
      alpha: { deep: [1] },
      missing: 'dflt',
      rate: 0.5,
      pmissing: null,
    });
    const bad = await box.run(['run', 'params.orchest', '--step-param', 'alpha=1']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--step-param "alpha=1" is not STEP\.KEY=VALUE/);
  });

  it('raises every documented error with a clear message', async () => {
    box.file('errors/named.py', 'import orchest\norchest.output(1, "same")\n');
    box.file('errors/named2.py', 'import orchest\norchest.output(2, "same")\n');
    box.file('errors/silent.py', 'print("no output")\n');
    box.file('errors/probe.py', [
      'import json, os, orchest',
      'from orchest.error import OutputNotFoundError',
      'results = {}',
      'def probe(key, fn):',
      '    try:',
      '        fn()',
      '        results[key] = "no error"',
      '    except Exception as e:',
      '        results[key] = f"{type(e).__name__}: {e}"',
      'probe("collision", orchest.get_inputs)',
      'probe("name_unnamed", lambda: orchest.output(1, "unnamed"))',
      'probe("name_separator", lambda: orchest.output(1, "a; b"))',
      'probe("name_empty", lambda: orchest.output(1, ""))',
      'probe("name_newline", lambda: orchest.output(1, "a\\nb"))',
      'probe("name_oversized", lambda: orchest.output(1, "n" * 256))',
      'probe("name_type", lambda: orchest.output(1, 5))',
      'probe("ser_unknown", lambda: orchest.output_to_disk(1, "x", serialization="XML"))',
      'probe("ser_json", lambda: orchest.output_to_disk({1, 2}, "x", serialization="JSON"))',
      'probe("ser_json_nan", lambda: orchest.output_to_disk(float("nan"), "x", serialization="JSON"))',
      'probe("ser_bytes", lambda: orchest.output_to_disk("text", "x", serialization="BYTES"))',
      'probe("ser_pickle", lambda: orchest.output_to_disk(lambda: 1, "x"))',
      'probe("ser_arrow", lambda: orchest.output_to_disk([1], "x", serialization="ARROW_TABLE"))',
      'probe("service", lambda: orchest.get_service("nope"))',
      'probe("max_name_ok", lambda: orchest.output(1, "é" * 127))',
      'json.dump(results, open(os.path.join(os.environ["BERTH_DATA_DIR"], "errors.json"), "w"))',
    ].join('\n'));
    box.file('errors/missing.py', [
      'import json, os, orchest',
      'r = {}',
      'try:',
      '    orchest.get_inputs()',
      'except orchest.error.OutputNotFoundError as e:',
      '    r["missing"] = str(e)',
      'r["ignored"] = orchest.get_inputs(ignore_failure=True)',
      'json.dump(r, open(os.path.join(os.environ["BERTH_DATA_DIR"], "missing.json"), "w"))',
      'orchest.get_inputs()',
    ].join('\n'));
    sdkPipeline(box, 'errors', [
      { title: 'Named', file: 'errors/named.py' },
      { title: 'Named too', file: 'errors/named2.py' },
      { title: 'Silent', file: 'errors/silent.py' },
      { title: 'Probe', file: 'errors/probe.py', parents: ['Named', 'Named too'] },
      { title: 'Missing', file: 'errors/missing.py', parents: ['Silent'] },
    ]);
    const { code, step, log } = await runJson(box, ['errors.orchest']);
    assert.equal(code, 1, 'the last get_inputs() in Missing is not caught: the step fails');
    assert.equal(step('Probe').status, 'SUCCESS', log('Probe'));
    const r = dataJson(box, 'errors.json');
    assert.equal(r.collision, 'InputNameCollisionError: the outputs of incoming steps "Named" and "Named too" are both named "same": give them different names');
    assert.match(r.name_unnamed, /^DataInvalidNameError: "unnamed" is reserved/);
    assert.match(r.name_separator, /^DataInvalidNameError: .*contains "; "/);
    assert.match(r.name_empty, /^DataInvalidNameError: an output name must not be empty/);
    assert.match(r.name_newline, /^DataInvalidNameError: .*line break/);
    assert.match(r.name_oversized, /^DataInvalidNameError: .*256 bytes of UTF-8; the limit is 255/);
    assert.match(r.name_type, /^DataInvalidNameError: an output name must be a str or None, not int/);
    assert.match(r.ser_unknown, /^SerializationError: unknown serialization 'XML': use one of ARROW_TABLE, ARROW_BATCH, PICKLE, JSON, BYTES/);
    assert.match(r.ser_json, /^SerializationError: cannot write set as JSON/);
    assert.match(r.ser_json_nan, /^SerializationError: cannot write float as JSON/);
    assert.match(r.ser_bytes, /^SerializationError: BYTES needs bytes/);
    assert.match(r.ser_pickle, /^SerializationError: cannot pickle function/);
    assert.match(r.ser_arrow, /^SerializationError: ARROW_TABLE needs pyarrow, which is not installed/);
    assert.match(r.service, /^ServiceNotFound: Could not find service with name nope/);
    assert.equal(r.max_name_ok, 'no error', '254 bytes of UTF-8 is within the limit');
    const missing = dataJson(box, 'missing.json');
    assert.match(missing.missing, /incoming step "Silent" \(.+\) has no output/);
    assert.deepEqual(missing.ignored, { unnamed: [null] });
    assert.equal(step('Missing').status, 'FAILURE');
    assert.match(log('Missing'), /DiskOutputNotFoundError: incoming step "Silent"/);
    assert.match(log('Missing'), /get_inputs\(\) was already called/);
  });

  it('one output per step by default (a second call replaces it, with a warning); multiple=True keeps several named outputs; output_to_memory warns', async () => {
    box.file('multi/single.py', 'import orchest\norchest.output(1, "a")\norchest.output(2, "b")\n');
    box.file('multi/many.py', [
      'import orchest',
      'orchest.output(1, "x", multiple=True)',
      'orchest.output(2, "y", multiple=True)',
      'orchest.output(3, "x", multiple=True)',
      'orchest.output("u1", None, multiple=True)',
      'orchest.output("u2", None, multiple=True)',
    ].join('\n'));
    box.file('multi/memory.py', 'import orchest\norchest.output_to_memory("m", "mem")\n');
    box.file('multi/child.py', 'import json, os, orchest\njson.dump(orchest.get_inputs(), open(os.path.join(os.environ["BERTH_DATA_DIR"], "multi.json"), "w"))\n');
    sdkPipeline(box, 'multi', [
      { title: 'Single', file: 'multi/single.py' },
      { title: 'Many', file: 'multi/many.py' },
      { title: 'Memory', file: 'multi/memory.py' },
      { title: 'Child', file: 'multi/child.py', parents: ['Single', 'Many', 'Memory'] },
    ]);
    const first = await runJson(box, ['multi.orchest']);
    assert.equal(first.code, 0, first.log('Child'));
    assert.deepEqual(dataJson(box, 'multi.json'), { unnamed: ['u1', 'u2'], b: 2, x: 3, y: 2, mem: 'm' });
    assert.match(first.log('Single'), /UserWarning: this step already wrote an output in this run; the new output replaces it/);
    assert.doesNotMatch(first.log('Many'), /replaces it/);
    assert.match(first.log('Memory'), /FutureWarning: output_to_memory is deprecated/);
    // A new run starts the step's outputs afresh: what an earlier run wrote is not kept.
    box.file('multi/many.py', 'import orchest\norchest.output(9, "z", multiple=True)\n');
    const second = await runJson(box, ['multi.orchest']);
    assert.equal(second.code, 0);
    assert.deepEqual(dataJson(box, 'multi.json'), { unnamed: [], b: 2, z: 9, mem: 'm' });
  });

  it('a selection run reuses an unselected parent’s last output; pipelines never see each other’s outputs, even running at once', async () => {
    box.file('sel/parent.py', 'import orchest, os\norchest.output(orchest.get_pipeline_param("tag"), "tag")\n');
    box.file('sel/child.py', [
      'import json, os, orchest',
      'json.dump(orchest.get_inputs(ignore_failure=True), open(os.path.join(os.environ["BERTH_DATA_DIR"], orchest.get_pipeline_param("out")), "w"))',
    ].join('\n'));
    const steps = [{ title: 'Parent', file: 'sel/parent.py' }, { title: 'Child', file: 'sel/child.py', parents: ['Parent'] }];
    sdkPipeline(box, 'sel-a', steps, { parameters: { tag: 'A', out: 'a.json' } });
    sdkPipeline(box, 'sel-b', steps, { parameters: { tag: 'B', out: 'b.json' } });
    // Same step uuids in both pipelines; only the pipeline uuid differs.
    const [a, b] = await Promise.all([runJson(box, ['sel-a.orchest']), runJson(box, ['sel-b.orchest'])]);
    assert.equal(a.code, 0);
    assert.equal(b.code, 0);
    assert.deepEqual(dataJson(box, 'a.json'), { unnamed: [], tag: 'A' });
    assert.deepEqual(dataJson(box, 'b.json'), { unnamed: [], tag: 'B' });
    const sel = await runJson(box, ['sel-a.orchest', '--steps', 'Child', '--param', 'tag=changed']);
    assert.equal(sel.code, 0);
    assert.equal(sel.report.steps.length, 1);
    assert.deepEqual(dataJson(box, 'a.json'), { unnamed: [], tag: 'A' }, 'the unselected parent did not run; its last output is read');
    sdkPipeline(box, 'sel-c', steps, { parameters: { tag: 'C', out: 'c.json' } });
    const fresh = await runJson(box, ['sel-c.orchest', '--steps', 'Child']);
    assert.equal(fresh.code, 0);
    assert.deepEqual(dataJson(box, 'c.json'), { unnamed: [null] }, 'a new pipeline sees no output from the others');
  });

  it('a step killed while writing its output leaves the previous output whole; leftovers are cleaned on the next write', async () => {
    box.file('crash/parent.py', [
      'import os, signal, orchest',
      'class Crash:',
      '    def __reduce__(self):',
      '        os.kill(os.getpid(), signal.SIGKILL)',
      'if orchest.get_pipeline_param("crash"):',
      '    orchest.output([b"x" * 5_000_000, Crash()], "value")',
      'else:',
      '    orchest.output(orchest.get_pipeline_param("value"), "value")',
    ].join('\n'));
    box.file('crash/child.py', 'import json, os, orchest\njson.dump(orchest.get_inputs(), open(os.path.join(os.environ["BERTH_DATA_DIR"], "crash.json"), "w"))\n');
    sdkPipeline(box, 'crash', [{ title: 'Parent', file: 'crash/parent.py' }, { title: 'Child', file: 'crash/child.py', parents: ['Parent'] }], { parameters: { crash: false, value: 'good' } });
    const ok = await runJson(box, ['crash.orchest']);
    assert.equal(ok.code, 0);
    const crashed = await runJson(box, ['crash.orchest', '--steps', 'Parent', '--param', 'crash=true']);
    assert.equal(crashed.code, 1);
    assert.match(crashed.step('Parent').reason, /SIGKILL|signal|code/);
    const parentDir = stepOutputDir(box, ok.report, ok.step('Parent').uuid);
    assert.ok(readdirSync(parentDir).some((e) => e.startsWith('.tmp-')), 'the killed writer left its temporary folder');
    const child = await runJson(box, ['crash.orchest', '--steps', 'Child']);
    assert.equal(child.code, 0, child.log('Child'));
    assert.deepEqual(dataJson(box, 'crash.json'), { unnamed: [], value: 'good' });
    const again = await runJson(box, ['crash.orchest', '--param', 'value="better"']);
    assert.equal(again.code, 0);
    assert.deepEqual(dataJson(box, 'crash.json'), { unnamed: [], value: 'better' });
    assert.deepEqual(readdirSync(parentDir).filter((e) => e !== 'current').length, 1, 'one version left, no temporary files');
  });
});
