import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { parseJson, pipeline, Sandbox, writePipeline } from '../helpers/berth-cli.ts';

const T = { timeout: 240_000 };
const ENV = 'aaaaaaaa-1111-4222-8333-444444444444';
const BROKEN = 'bbbbbbbb-1111-4222-8333-444444444444';

/** A wheel of a tiny package (`berth_demo_pkg`), written by hand: what an offline user keeps in a wheel folder. */
function writeWheel(dir: string, version = '1.0', value = 'from the wheel folder'): void {
  mkdirSync(dir, { recursive: true });
  execFileSync('python3', ['-c', `
import base64, hashlib, zipfile, sys
name, ver = "berth_demo_pkg", sys.argv[2]
files = {
  f"{name}/__init__.py": "VALUE = %r\\n" % sys.argv[3],
  f"{name}-{ver}.dist-info/METADATA": f"Metadata-Version: 2.1\\nName: berth-demo-pkg\\nVersion: {ver}\\n",
  f"{name}-{ver}.dist-info/WHEEL": "Wheel-Version: 1.0\\nGenerator: hand\\nRoot-Is-Purelib: true\\nTag: py3-none-any\\n",
}
record = []
for path, text in files.items():
  digest = base64.urlsafe_b64encode(hashlib.sha256(text.encode()).digest()).rstrip(b"=").decode()
  record.append(f"{path},sha256={digest},{len(text.encode())}")
record.append(f"{name}-{ver}.dist-info/RECORD,,")
with zipfile.ZipFile(sys.argv[1] + f"/{name}-{ver}-py3-none-any.whl", "w") as z:
  for path, text in files.items(): z.writestr(path, text)
  z.writestr(f"{name}-{ver}.dist-info/RECORD", "\\n".join(record) + "\\n")
`, dir, version, value]);
}

describe('Orchest environments on the process runtime (Python virtual environments)', () => {
  const box = new Sandbox();
  after(() => box.cleanup());
  const wheels = join(box.root, 'wheels');
  writeWheel(wheels);
  box.file(`.orchest/environments/${ENV}/properties.json`, JSON.stringify({ name: 'Demo env', uuid: ENV, language: 'python', base_image: 'orchest/base-kernel-py', gpu_support: false }));
  // As Orchest ran it: bash reads the script on stdin in the project folder (requirements.txt is found).
  box.file(`.orchest/environments/${ENV}/setup_script.sh`, '#!/bin/bash\necho "setup in $(pwd)"\npip install -r requirements.txt\n');
  box.file('requirements.txt', 'berth-demo-pkg\n');
  box.file(`.orchest/environments/${BROKEN}/properties.json`, JSON.stringify({ name: 'Broken env', uuid: BROKEN, language: 'python', base_image: 'orchest/base-kernel-py' }));
  box.file(`.orchest/environments/${BROKEN}/setup_script.sh`, 'echo "about to fail"\nexit 7\n');
  box.file('use.py', [
    'import json, os, sys, berth_demo_pkg',
    'open("/data/seen.json", "w").write(json.dumps({"value": berth_demo_pkg.VALUE, "exe": sys.executable, "prefix": sys.prefix,',
    '  "project": sorted(os.listdir("/project-dir")), "cwd": os.getcwd()}))',
  ].join('\n'));
  box.file('plain.py', 'import sys\nprint("plain python:", sys.executable)\n');
  const withEnv = (def: Record<string, unknown>, titles: Record<string, string>): Record<string, unknown> => {
    for (const step of Object.values(def.steps as Record<string, Record<string, unknown>>)) step.environment = titles[step.title as string] ?? '';
    return def;
  };
  writePipeline(box, 'ok.orchest', withEnv(pipeline('ok', [{ title: 'Use', file: 'use.py' }, { title: 'Plain', file: 'plain.py' }]), { Use: ENV }));
  writePipeline(box, 'broken.orchest', withEnv(pipeline('broken', [{ title: 'Never', file: 'plain.py' }]), { Never: BROKEN }));
  const data = join(box.home, 'data');
  // Offline: no package index, only the wheel folder.
  const offline = { PIP_NO_INDEX: '1', PIP_FIND_LINKS: wheels, BERTH_PYTHON: '/usr/bin/python3' };

  it('builds the environment once (setup script in the project, packages from PIP_FIND_LINKS into the venv), steps run with its interpreter and see /data and /project-dir', T, async () => {
    const first = await box.run(['run', 'ok.orchest'], { env: offline });
    assert.equal(first.code, 0, first.stdout + first.stderr);
    const progress = first.stdout + first.stderr;
    assert.match(progress, /Building environment "Demo env"/);
    assert.match(progress, new RegExp(`setup in ${box.project}`));
    assert.match(progress, /Successfully installed berth-demo-pkg-1\.0/);
    const seen = parseJson(readFileSync(join(data, 'seen.json'), 'utf8'));
    assert.equal(seen.value, 'from the wheel folder');
    assert.match(seen.prefix, new RegExp(`^${box.home}/venvs/${ENV}/[0-9a-f]{16}$`));
    assert.ok(seen.project.includes('use.py') && seen.project.includes('requirements.txt'), seen.project.join(','));
    assert.equal(seen.cwd, box.project);
    assert.equal(existsSync('/data'), false, 'no /data on the host');
    // The package went into the virtual environment, not the base interpreter.
    assert.throws(() => execFileSync('/usr/bin/python3', ['-c', 'import berth_demo_pkg'], { stdio: 'pipe' }));
    const plainLog = readdirSync(join(box.home, 'runs')).map((r) => join(box.home, 'runs', r, 'logs', '00000000-0000-4000-8000-000000000002.log')).find(existsSync)!;
    assert.match(readFileSync(plainLog, 'utf8'), /plain python: \/usr\/bin\/python3/, 'a step without environment uses BERTH_PYTHON');

    const again = await box.run(['run', 'ok.orchest'], { env: offline });
    assert.equal(again.code, 0, again.stderr);
    assert.doesNotMatch(again.stdout + again.stderr, /Building environment/, 'the cached virtual environment is reused');

    const builds = parseJson((await box.run(['env', 'builds', '--json'])).stdout);
    assert.deepEqual(builds.builds.map((b: any) => [b.environment_name, b.status]), [['Demo env', 'SUCCESS']]);
    assert.match(builds.builds[0].image, /^venv:/);
    assert.match(readFileSync(builds.builds[0].log_path, 'utf8'), /Successfully installed berth-demo-pkg/);
    const events = parseJson((await box.run(['events', '--json'])).stdout);
    const types = (events.events as any[]).map((e) => e.type);
    assert.ok(types.includes('project:environment:image-build:started') && types.includes('project:environment:image-build:succeeded'), types.join(','));
  });

  it('a changed requirements.txt (a file the setup script names) builds the environment anew; an unrelated edit does not', T, async () => {
    writeWheel(wheels, '2.0', 'version two');
    box.file('requirements.txt', 'berth-demo-pkg==2.0\n');
    const changed = await box.run(['run', 'ok.orchest'], { env: offline });
    assert.equal(changed.code, 0, changed.stdout + changed.stderr);
    assert.match(changed.stdout + changed.stderr, /Building environment "Demo env"/);
    assert.equal(parseJson(readFileSync(join(data, 'seen.json'), 'utf8')).value, 'version two');
    box.file('notes.txt', 'an edit the setup script does not read\n');
    const unrelated = await box.run(['run', 'ok.orchest'], { env: offline });
    assert.equal(unrelated.code, 0, unrelated.stderr);
    assert.doesNotMatch(unrelated.stdout + unrelated.stderr, /Building environment/);
    // The setup script itself is in the key too.
    box.file(`.orchest/environments/${ENV}/setup_script.sh`, '#!/bin/bash\necho "setup, second edition"\npip install -r requirements.txt\n');
    const script = await box.run(['run', 'ok.orchest'], { env: offline });
    assert.equal(script.code, 0, script.stderr);
    assert.match(script.stdout + script.stderr, /setup, second edition/);
  });

  it('a failing setup script fails the build and the step, naming the environment and the log', T, async () => {
    const res = await box.run(['run', 'broken.orchest', '--json'], { env: offline });
    assert.equal(res.code, 1);
    const report = parseJson(res.stdout);
    const reason: string = report.steps[0].reason;
    assert.match(reason, /environment "Broken env" \(bbbbbbbb-[^)]*\) failed to build: the setup script exited with 7/);
    assert.match(reason, /about to fail/);
    const log = /last lines of (\S+) ---/.exec(reason)![1]!;
    assert.match(readFileSync(log, 'utf8'), /about to fail/);
    const builds = parseJson((await box.run(['env', 'builds', '--json', '--status', 'FAILURE'])).stdout);
    assert.deepEqual(builds.builds.map((b: any) => [b.environment_name, b.reason]), [['Broken env', 'environment "Broken env" (bbbbbbbb-1111-4222-8333-444444444444) failed to build: the setup script exited with 7']]);
  });

  it('--python / BERTH_PYTHON that is not an executable fails the step with the field named', T, async () => {
    const res = await box.run(['run', 'ok.orchest', '--json', '--python', '/nonexistent/python3'], { env: offline });
    assert.equal(res.code, 1);
    assert.match(parseJson(res.stdout).steps[0].reason, /--python=\/nonexistent\/python3 is not an executable file/);
  });
});

describe('one environment, two Berth processes without a build limit', () => {
  const box = new Sandbox();
  after(() => box.cleanup());
  box.file(`.orchest/environments/${ENV}/properties.json`, JSON.stringify({ name: 'Shared', uuid: ENV, base_image: 'orchest/base-kernel-py' }));
  box.file(`.orchest/environments/${ENV}/setup_script.sh`, 'echo built >> ../setup-ran.txt\nsleep 1\n');
  box.file('s.py', 'import sys\nprint(sys.prefix)\n');
  const def = pipeline('shared', [{ title: 'S', file: 's.py' }]);
  for (const step of Object.values(def.steps as Record<string, Record<string, unknown>>)) step.environment = ENV;
  writePipeline(box, 'shared.orchest', def);

  it('builds it once: the second waits for the first and uses its virtual environment', T, async () => {
    const env = { BERTH_MAX_BUILDS: '0', BERTH_PYTHON: '/usr/bin/python3' };
    const [a, b] = await Promise.all([box.run(['run', 'shared.orchest', '--job', '--json'], { env }), box.run(['run', 'shared.orchest', '--job', '--json'], { env })]);
    assert.equal(a.code, 0, a.stderr);
    assert.equal(b.code, 0, b.stderr);
    assert.equal(readFileSync(join(box.root, 'setup-ran.txt'), 'utf8'), 'built\n');
    const prefixes = [a, b].map((r) => readFileSync(parseJson(r.stdout).steps[0].log_path, 'utf8'));
    assert.equal(prefixes[0], prefixes[1]);
  });
});

describe('/data where mount namespaces cannot be set up', () => {
  const box = new Sandbox();
  after(() => box.cleanup());
  box.file('where.sh', 'if [ -d /data ]; then echo "has /data"; else echo "no /data; data at $ORCHEST_DATA_DIR"; fi\n');
  writePipeline(box, 'where.orchest', pipeline('where', [{ title: 'Where', file: 'where.sh' }]));

  it('the step says so before it runs, and still gets the data folder through ORCHEST_DATA_DIR', T, async () => {
    // A PATH without python3: the namespace helper cannot run (as on a machine without Python).
    const bin = join(box.root, 'bin-without-python');
    mkdirSync(bin);
    execFileSync('ln', ['-s', '/bin/bash', join(bin, 'bash')]);
    const res = await box.run(['run', 'where.orchest'], { env: { PATH: bin } });
    assert.equal(res.code, 0, res.stderr);
    // Said as the step's progress, before its command runs.
    assert.match(res.stderr, /▶ Where\n +Where │ \/data and \/project-dir are not available to this step \(python3, which sets up the mount namespace, is not on PATH\); it sees the data folder at \S+ \(ORCHEST_DATA_DIR\)[^\n]*\n +✔ Where/);
    const log = readdirSync(join(box.home, 'runs')).map((r) => join(box.home, 'runs', r, 'logs', '00000000-0000-4000-8000-000000000001.log')).find(existsSync)!;
    assert.equal(readFileSync(log, 'utf8'), `no /data; data at ${join(box.home, 'data')}\n`);
  });
});
