import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { which } from '../../src/runtimes/process/step-command.ts';
import { collect, REPO, Sandbox } from '../helpers/berth-cli.ts';
import { spawn } from 'node:child_process';
import { dataJson, runJson, sdkPipeline, stepOutputDir } from './sdk-test-kit.ts';

/** Writes `value` as JSON to the data folder from inside a Python step. */
const SAVE = 'import json, os\ndef save(name, value):\n    json.dump(value, open(os.path.join(os.environ["BERTH_DATA_DIR"], name), "w"), default=repr)\n';

// Orchest's SDK (orchest-sdk 0.3.11, orchest/orchest: orchest-sdk/python/orchest) is the reference:
// every name it exports, with its semantics, in real python3 steps.
describe('Orchest SDK surface (orchest-sdk 0.3.x)', () => {
  const box = new Sandbox();
  after(() => box.cleanup());

  it('exports Config, utils, pipeline.Pipeline, __version__ and every error class of orchest.error', async () => {
    box.file('surface/step.py', [
      SAVE,
      'import orchest, orchest.error as e, orchest.utils, orchest.pipeline, orchest.config, orchest.transfer, orchest.parameters, orchest.services',
      'from orchest import Config',
      'from orchest.utils import get_step_uuid, get_pipeline',
      'from orchest.pipeline import Pipeline, PipelineStep',
      'from orchest._version import __version__',
      'p = get_pipeline()',
      'me = p.get_step_by_uuid(get_step_uuid(p))',
      'errors = ["Error", "PipelineDefinitionNotFoundError", "SerializationError", "DeserializationError", "ObjectNotFoundError", "OutputNotFoundError",',
      '          "DiskOutputNotFoundError", "MemoryOutputNotFoundError", "OrchestNetworkError", "StepUUIDResolveError", "InputNameCollisionError",',
      '          "DataInvalidNameError", "ServiceNotFound", "InvalidMetaDataError", "UnrecognizedSessionType", "SessionNotFound"]',
      'try:',
      '    p.get_step_by_uuid("nope")',
      'except e.StepUUIDResolveError as err:',
      '    unknown = str(err)',
      'save("surface.json", {',
      '  "version": orchest.__version__, "same_version": __version__ == orchest.__version__,',
      '  "config_is_class": isinstance(Config, type), "config_same": orchest.config.Config is Config,',
      '  "pipeline_path": Config.PIPELINE_DEFINITION_PATH == os.environ["ORCHEST_PIPELINE_PATH"],',
      '  "pipeline_uuid": Config.PIPELINE_UUID, "session_type": Config.SESSION_TYPE, "project_uuid": Config.PROJECT_UUID == os.environ["ORCHEST_PROJECT_UUID"],',
      '  "separator": getattr(Config, "__METADATA_SEPARATOR__"), "reserved": Config._RESERVED_UNNAMED_OUTPUTS_STR,',
      '  "silence": Config.silence_multiple_data_transfer_calls_warning,',
      '  "step_data_dir": Config.get_step_data_dir(me.properties["uuid"]) == os.path.join(os.environ["BERTH_OUTPUTS_DIR"], me.properties["uuid"]),',
      '  "is_pipeline": isinstance(p, Pipeline), "steps": sorted(s.properties["title"] for s in p.steps),',
      '  "me": me.properties["title"], "me_is_step": isinstance(me, PipelineStep), "parents": [s.properties["title"] for s in me.parents],',
      '  "children_of_parent": [c.properties["title"] for c in me.parents[0].children], "step_params": me.get_params(), "pipeline_params": p.get_params(),',
      '  "pipeline_name": p.properties["name"], "to_dict_steps": len(p.to_dict()["steps"]), "unknown": unknown,',
      '  "errors": {n: [b.__name__ for b in getattr(e, n).__mro__[1:3]] for n in errors},',
      '  "invalid_meta_msg": str(e.InvalidMetaDataError("bad")).startswith("bad "),',
      '  "functions": sorted(n for n in ("get_inputs", "output", "output_to_disk", "output_to_memory", "get_params", "get_step_param", "get_pipeline_param", "get_service", "get_services") if callable(getattr(orchest, n, None)) or callable(getattr(orchest.transfer, n, None)) or callable(getattr(orchest.parameters, n, None))),',
      '  "serialization": [s.name for s in orchest.transfer.Serialization][:3],',
      '})',
    ].join('\n'));
    box.file('surface/parent.py', 'print("parent")\n');
    sdkPipeline(box, 'surface', [
      { title: 'Parent', file: 'surface/parent.py' },
      { title: 'Me', file: 'surface/step.py', parents: ['Parent'], parameters: { k: 1 } },
    ], { parameters: { pp: 'v' } });
    const { code, log } = await runJson(box, ['surface.orchest']);
    assert.equal(code, 0, log('Me'));
    const r = dataJson(box, 'surface.json');
    assert.equal(r.version, '0.3.11');
    assert.equal(r.same_version, true);
    assert.equal(r.config_is_class, true);
    assert.equal(r.config_same, true);
    assert.equal(r.pipeline_path, true);
    assert.match(r.pipeline_uuid, /^22222222-/);
    assert.equal(r.session_type, 'interactive');
    assert.equal(r.project_uuid, true);
    assert.equal(r.separator, '; ');
    assert.equal(r.reserved, 'unnamed');
    assert.equal(r.silence, false);
    assert.equal(r.step_data_dir, true);
    assert.equal(r.is_pipeline, true);
    assert.deepEqual(r.steps, ['Me', 'Parent']);
    assert.equal(r.me, 'Me');
    assert.equal(r.me_is_step, true);
    assert.deepEqual(r.parents, ['Parent']);
    assert.deepEqual(r.children_of_parent, ['Me']);
    assert.deepEqual(r.step_params, { k: 1 });
    assert.deepEqual(r.pipeline_params, { pp: 'v' });
    assert.equal(r.pipeline_name, 'surface');
    assert.equal(r.to_dict_steps, 2);
    assert.match(r.unknown, /nope/);
    assert.deepEqual(r.errors.MemoryOutputNotFoundError, ['OutputNotFoundError', 'Error']);
    assert.deepEqual(r.errors.DiskOutputNotFoundError, ['OutputNotFoundError', 'Error']);
    for (const n of ['ObjectNotFoundError', 'OrchestNetworkError', 'InvalidMetaDataError', 'UnrecognizedSessionType', 'SessionNotFound', 'DataInvalidNameError']) {
      assert.deepEqual(r.errors[n], ['Error', 'Exception'], n);
    }
    assert.equal(r.invalid_meta_msg, true);
    assert.equal(r.functions.length, 9);
    assert.deepEqual(r.serialization, ['ARROW_TABLE', 'ARROW_BATCH', 'PICKLE']);
  });

  it('output_to_disk(data, name, serialization=S) takes data already serialized as S; bytearray and bytes come back as themselves; name=5 is a DataInvalidNameError', async () => {
    box.file('ser/pre.py', [
      'import pickle, orchest',
      'from orchest.transfer import Serialization',
      'orchest.output_to_disk(pickle.dumps({"a": [1, 2]}), "pickled", serialization=Serialization.PICKLE)',
    ].join('\n'));
    box.file('ser/pre-json.py', 'import orchest\norchest.output_to_disk(b\'{"j": [1]}\', "json", serialization="JSON")\n');
    box.file('ser/ba.py', 'import orchest\norchest.output(bytearray(b"\\x01\\x02"), "ba")\n');
    box.file('ser/by.py', 'import orchest\norchest.output(b"\\x03", "by")\n');
    box.file('ser/child.py', [
      SAVE,
      'import orchest',
      'i = orchest.get_inputs()',
      'save("ser.json", {k: [type(v).__name__, v if not isinstance(v, (bytes, bytearray)) else list(v)] for k, v in i.items() if k != "unnamed"})',
    ].join('\n'));
    box.file('ser/names.py', [
      SAVE,
      'import orchest',
      'r = {}',
      'for key, fn in {"int": lambda: orchest.output(1, 5), "int_disk": lambda: orchest.output_to_disk(1, 5), "bad_json": lambda: orchest.output_to_disk(b"{", "x", serialization="JSON")}.items():',
      '    try:',
      '        fn(); r[key] = "no error"',
      '    except Exception as e:',
      '        r[key] = f"{type(e).__name__}: {e}"',
      'save("names.json", r)',
    ].join('\n'));
    sdkPipeline(box, 'ser', [
      { title: 'Pre', file: 'ser/pre.py' },
      { title: 'PreJson', file: 'ser/pre-json.py' },
      { title: 'Ba', file: 'ser/ba.py' },
      { title: 'By', file: 'ser/by.py' },
      { title: 'Child', file: 'ser/child.py', parents: ['Pre', 'PreJson', 'Ba', 'By'] },
      { title: 'Names', file: 'ser/names.py' },
    ]);
    const { code, log, report, step } = await runJson(box, ['ser.orchest']);
    assert.equal(code, 0, log('Child') + log('Names'));
    assert.deepEqual(dataJson(box, 'ser.json'), {
      pickled: ['dict', { a: [1, 2] }],
      json: ['dict', { j: [1] }],
      ba: ['bytearray', [1, 2]],
      by: ['bytes', [3]],
    });
    const n = dataJson(box, 'names.json');
    assert.match(n.int, /^DataInvalidNameError: an output name must be a str or None, not int/);
    assert.match(n.int_disk, /^DataInvalidNameError: an output name must be a str or None, not int/);
    assert.match(n.bad_json, /^SerializationError: .*not valid JSON/);
    const pre = stepOutputDir(box, report, step('Pre').uuid);
    assert.ok(readlinkSync(join(pre, 'current')).startsWith('v-'));
  });

  it('Config.silence_multiple_data_transfer_calls_warning silences the warnings; a malformed HEAD record is an OutputNotFoundError caused by InvalidMetaDataError', async () => {
    box.file('warn/loud.py', 'import orchest\norchest.output(1, "a")\norchest.output(2, "a")\n');
    box.file('warn/quiet.py', 'import orchest\norchest.Config.silence_multiple_data_transfer_calls_warning = True\norchest.output(1, "b")\norchest.output(2, "b")\norchest.get_inputs(); orchest.get_inputs()\n');
    box.file('warn/child.py', [
      SAVE,
      'import glob, orchest',
      'from orchest.error import OutputNotFoundError, InvalidMetaDataError',
      'parent = orchest.utils.get_pipeline().get_step_by_uuid(orchest.utils.get_step_uuid(orchest.utils.get_pipeline())).parents[0].properties["uuid"]',
      'head = glob.glob(os.path.join(orchest.Config.get_step_data_dir(parent), "v-*", "HEAD"))[0]',
      'open(head, "w").write("garbage\\n")',
      'r = {}',
      'try:',
      '    orchest.get_inputs()',
      'except OutputNotFoundError as e:',
      '    r["error"] = type(e).__name__',
      '    r["cause"] = type(e.__cause__).__name__',
      '    r["message"] = str(e)',
      'save("meta.json", r)',
    ].join('\n'));
    sdkPipeline(box, 'warn', [
      { title: 'Loud', file: 'warn/loud.py' },
      { title: 'Quiet', file: 'warn/quiet.py', parents: ['Loud'] },
      { title: 'Child', file: 'warn/child.py', parents: ['Loud', 'Quiet'] },
    ]);
    const { code, log } = await runJson(box, ['warn.orchest']);
    assert.equal(code, 0, log('Child') + log('Quiet'));
    assert.match(log('Loud'), /replaces it/);
    assert.doesNotMatch(log('Quiet'), /Warning/);
    const r = dataJson(box, 'meta.json');
    assert.equal(r.error, 'DiskOutputNotFoundError');
    assert.equal(r.cause, 'InvalidMetaDataError');
    assert.match(r.message, /incoming step "Loud" .*HEAD record/);
  });

  it('outside a run, a notebook in a Jupyter kernel finds its step from its path in the project’s pipelines (get_inputs, parameters, utils)', { skip: which('jupyter-nbconvert', process.env.PATH ?? '') ? false : 'jupyter-nbconvert is not installed (.ci/run installs it)' }, async () => {
    box.file('nb/parent.py', 'import orchest\norchest.output({"from": "parent"}, "p")\n');
    const nb = box.file('nb/analysis.ipynb', JSON.stringify({
      cells: [{
        cell_type: 'code', execution_count: null, metadata: {}, outputs: [],
        source: [
          'import json, orchest\n',
          'p = orchest.utils.get_pipeline()\n',
          'json.dump({"inputs": orchest.get_inputs(), "step": orchest.utils.get_step_uuid(p), "param": orchest.get_step_param("k"), "pparam": orchest.get_pipeline_param("pp")},\n',
          '          open("nb-result.json", "w"))\n',
          'orchest.output("from notebook", "nbout")\n',
        ],
      }],
      metadata: { kernelspec: { display_name: 'Python 3', language: 'python', name: 'python3' } },
      nbformat: 4, nbformat_minor: 4,
    }));
    box.file('nb/child.py', `${SAVE}import orchest\nsave("nb-child.json", orchest.get_inputs())\n`);
    const file = sdkPipeline(box, 'nb', [
      { title: 'Parent', file: 'nb/parent.py' },
      { title: 'Analysis', file: 'nb/analysis.ipynb', parents: ['Parent'], parameters: { k: 'kv' } },
      { title: 'Child', file: 'nb/child.py', parents: ['Analysis'] },
    ], { parameters: { pp: 7 } });
    const first = await runJson(box, ['nb.orchest', '--steps', 'Parent']);
    assert.equal(first.code, 0, first.stderr);
    // JupyterLab (jupyter_server ≥ 2) starts a notebook's kernel with JPY_SESSION_NAME = the notebook's
    // path and nothing of Berth's: no ORCHEST_* variables, no outputs folder.
    const env: Record<string, string> = {};
    for (const [k, v] of Object.entries(box.env())) if (!k.startsWith('ORCHEST_')) env[k] = v;
    env.JPY_SESSION_NAME = nb;
    env.PYTHONPATH = join(REPO, 'src', 'sdk', 'python'); // the SDK on the kernel's path, as README says
    const res = await collect(spawn('jupyter-nbconvert', ['--to', 'notebook', '--execute', '--output', join(box.root, 'nb-out.ipynb'), nb], { cwd: join(box.project, 'nb'), env, stdio: ['ignore', 'pipe', 'pipe'] }));
    assert.equal(res.code, 0, res.stderr);
    const out = JSON.parse(readFileSync(join(box.project, 'nb', 'nb-result.json'), 'utf8'));
    const analysis = Object.entries(JSON.parse(readFileSync(file, 'utf8')).steps).find(([, s]: any) => s.title === 'Analysis')![0];
    assert.deepEqual(out, { inputs: { unnamed: [], p: { from: 'parent' } }, step: analysis, param: 'kv', pparam: 7 });
    // Its output is the step's output: the child reads it in a run that does not run the notebook.
    const child = await runJson(box, ['nb.orchest', '--steps', 'Child']);
    assert.equal(child.code, 0, child.log('Child'));
    assert.deepEqual(dataJson(box, 'nb-child.json'), { unnamed: [], nbout: 'from notebook' });
    // A notebook that is no pipeline's step says so.
    const stray = box.file('nb/stray.ipynb', readFileSync(nb, 'utf8'));
    writeFileSync(join(box.project, 'nb', 'nb-result.json'), '');
    const bad = await collect(spawn('jupyter-nbconvert', ['--to', 'notebook', '--execute', '--output', join(box.root, 'nb-out2.ipynb'), stray], { cwd: join(box.project, 'nb'), env: { ...env, JPY_SESSION_NAME: stray }, stdio: ['ignore', 'pipe', 'pipe'] }));
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /PipelineDefinitionNotFoundError: .*stray\.ipynb is not a step of any pipeline/);
  });

  it('JS SDK in step: bytes given with a serialization are already serialized (a pickle for a Python child); name 5 is a DataInvalidNameError; a malformed HEAD is a DiskOutputNotFoundError', async () => {
    box.file('js/pre.mjs', [
      "import { outputToDisk } from 'berth';",
      // pickle.dumps(42, protocol=2)
      "outputToDisk(Buffer.from([0x80, 0x02, 0x4b, 0x2a, 0x2e]), 'answer', { serialization: 'PICKLE' });",
    ].join('\n'));
    box.file('js/json.mjs', "import { outputToDisk } from 'berth';\noutputToDisk(Buffer.from('{\"j\": 2}'), 'j', { serialization: 'JSON' });\n");
    box.file('js/child.py', `${SAVE}import orchest\nsave("js-child.json", orchest.get_inputs())\n`);
    box.file('js/probe.mjs', [
      "import { writeFileSync, readdirSync } from 'node:fs';",
      "import { join } from 'node:path';",
      "import { output, outputToDisk, getInputs, DataInvalidNameError, DiskOutputNotFoundError, InvalidMetaDataError, SerializationError } from 'berth';",
      'const r = {};',
      "try { output(1, 5); } catch (e) { r.name = `${e.constructor.name}: ${e.message}`; r.nameIs = e instanceof DataInvalidNameError; }",
      "try { outputToDisk(Buffer.from('{'), 'x', { serialization: 'JSON' }); } catch (e) { r.badJson = e instanceof SerializationError && e.message; }",
      "const parent = JSON.parse(process.env.BERTH_STEP_PARAMETERS).parent;",
      "const dir = join(process.env.BERTH_OUTPUTS_DIR, parent);",
      "const version = readdirSync(dir).find((e) => e.startsWith('v-'));",
      "writeFileSync(join(dir, version, 'HEAD'), 'garbage\\n');",
      "try { getInputs(); } catch (e) { r.error = e.constructor.name; r.cause = e.cause?.constructor.name; r.message = e.message; }",
      "r.ignored = getInputs({ ignoreFailure: true });",
      "writeFileSync(join(process.env.BERTH_DATA_DIR, 'js-probe.json'), JSON.stringify(r));",
    ].join('\n'));
    sdkPipeline(box, 'jsser', [
      { uuid: '33333333-0000-4000-8000-000000000001', title: 'Pre', file: 'js/pre.mjs' },
      { title: 'Json', file: 'js/json.mjs' },
      { title: 'Child', file: 'js/child.py', parents: ['Pre', 'Json'] },
      { title: 'Probe', file: 'js/probe.mjs', parents: ['Pre', 'Child'], parameters: { parent: '33333333-0000-4000-8000-000000000001' } },
    ]);
    const { code, log } = await runJson(box, ['jsser.orchest']);
    assert.equal(code, 0, log('Child') + log('Probe'));
    assert.deepEqual(dataJson(box, 'js-child.json'), { unnamed: [], answer: 42, j: { j: 2 } });
    const r = dataJson(box, 'js-probe.json');
    assert.match(r.name, /^DataInvalidNameError: an output name must be a string or null, not number/);
    assert.equal(r.nameIs, true);
    assert.match(r.badJson, /not valid JSON/);
    assert.equal(r.error, 'DiskOutputNotFoundError');
    assert.equal(r.cause, 'InvalidMetaDataError');
    assert.match(r.message, /incoming step "Pre" .*HEAD record/);
    assert.deepEqual(r.ignored, { unnamed: [null, null] });
  });

  it('get_inputs(verbose=True) prints Orchest’s lines; an unknown ORCHEST_SESSION_TYPE is UnrecognizedSessionType', async () => {
    box.file('verbose/parent.py', 'import orchest\norchest.output(1, "one")\n');
    box.file('verbose/silent.py', 'print("nothing")\n');
    box.file('verbose/child.py', 'import orchest\norchest.get_inputs(ignore_failure=True, verbose=True)\n');
    const file = sdkPipeline(box, 'verbose', [
      { title: 'Parent', file: 'verbose/parent.py' },
      { title: 'Silent', file: 'verbose/silent.py' },
      { title: 'Child', file: 'verbose/child.py', parents: ['Parent', 'Silent'] },
    ], { services: { cache: { name: 'cache', image: 'redis', ports: [6379], exposed: false, scope: ['interactive', 'noninteractive'], order: 0 } } });
    const { code, log } = await runJson(box, ['verbose.orchest']);
    assert.equal(code, 0, log('Child'));
    assert.match(log('Child'), /^Retrieved input from step: "Parent"$/m);
    assert.match(log('Child'), /^Failed to retrieve input from step: "Silent"$/m);
    // Outside Berth a session type comes from the environment as is (Berth's own runs set a valid one).
    const env = { ...box.env(), PYTHONPATH: join(REPO, 'src', 'sdk', 'python'), ORCHEST_PIPELINE_PATH: file, ORCHEST_SESSION_TYPE: 'weekly', ORCHEST_SESSION_UUID: 's' };
    const res = await collect(spawn('python3', ['-c', 'import orchest\ntry:\n    orchest.get_services()\nexcept orchest.error.UnrecognizedSessionType as e:\n    print("caught", e)'], { env, stdio: ['ignore', 'pipe', 'pipe'] }));
    assert.equal(res.code, 0, res.stderr);
    assert.match(res.stdout, /caught ORCHEST_SESSION_TYPE is 'weekly': it is "interactive" or "noninteractive"/);
  });

  it('a notebook kernel whose Jupyter server does not answer raises OrchestNetworkError', { skip: existsSync('/usr/bin/jupyter-nbconvert') ? false : 'needs Debian\'s jupyter packages (/usr/bin/python3 with jupyter_client)' }, async () => {
    // A kernel started as Jupyter servers start them (jupyter_client's MultiKernelManager: connection
    // file kernel-<id>.json in Jupyter's runtime folder), where the runtime folder lists a server on a
    // port nobody listens on, and nothing else says which notebook the kernel runs.
    const runtime = join(box.root, 'jupyter-runtime');
    mkdirSync(runtime, { recursive: true });
    const server = createServer();
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as { port: number }).port;
    await new Promise<void>((r) => server.close(() => r()));
    writeFileSync(join(runtime, 'jpserver-1.json'), JSON.stringify({ url: `http://127.0.0.1:${port}/`, token: 't', root_dir: box.project }));
    const driver = [
      'import os, sys',
      'from jupyter_client.multikernelmanager import MultiKernelManager',
      'from jupyter_core.paths import jupyter_runtime_dir',
      'mkm = MultiKernelManager()',
      'mkm.connection_dir = jupyter_runtime_dir()',
      'kid = mkm.start_kernel(kernel_name="python3", env=dict(os.environ))',
      'kc = mkm.get_kernel(kid).client(); kc.start_channels(); kc.wait_for_ready(timeout=60)',
      'msg_id = kc.execute(sys.argv[1]); out = []',
      'while True:',
      '    msg = kc.get_iopub_msg(timeout=60)',
      '    if msg["parent_header"].get("msg_id") != msg_id: continue',
      '    if msg["msg_type"] == "stream": out.append(msg["content"]["text"])',
      '    if msg["msg_type"] == "error": out.append("\\n".join(msg["content"]["traceback"]))',
      '    if msg["msg_type"] == "status" and msg["content"]["execution_state"] == "idle": break',
      'print("".join(out)); kc.stop_channels(); mkm.shutdown_all(now=True)',
    ].join('\n');
    const env: Record<string, string> = {};
    for (const [k, v] of Object.entries(box.env())) if (!k.startsWith('ORCHEST_') && k !== 'JPY_SESSION_NAME') env[k] = v;
    Object.assign(env, { PYTHONPATH: join(REPO, 'src', 'sdk', 'python'), JUPYTER_RUNTIME_DIR: runtime });
    const code = 'import orchest\ntry:\n    orchest.get_inputs()\nexcept orchest.error.OrchestNetworkError as e:\n    print("caught", e)';
    const res = await collect(spawn('/usr/bin/python3', ['-c', driver, code], { cwd: box.project, env, stdio: ['ignore', 'pipe', 'pipe'] }));
    assert.equal(res.code, 0, res.stderr);
    assert.match(res.stdout, new RegExp(`caught cannot ask the Jupyter server which notebook this kernel runs: http://127\\.0\\.0\\.1:${port}/api/sessions`), res.stdout);
  });
});
