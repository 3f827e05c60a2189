import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { parseJson, pipeline, Sandbox, writePipeline } from '../helpers/berth-cli.ts';

const SYSTEM_PYTHON = '/usr/bin/python3';

describe('berth run with python3 on PATH behind a shim script (pyenv, asdf)', () => {
  const box = new Sandbox();
  after(() => box.cleanup());

  it('starts the shim a fixed number of times, not once per step (each step with /data and /project-dir mounted)', { skip: !existsSync(SYSTEM_PYTHON) && `${SYSTEM_PYTHON} is not installed` }, async () => {
    const bin = join(box.root, 'shim-bin');
    const starts = join(box.root, 'shim-starts');
    mkdirSync(bin);
    // Like pyenv's shim: a shell script that finds the interpreter and execs it.
    writeFileSync(join(bin, 'python3'), `#!/bin/sh\necho started >> ${starts}\nexec ${SYSTEM_PYTHON} "$@"\n`);
    chmodSync(join(bin, 'python3'), 0o755);
    const steps = Array.from({ length: 6 }, (_, i) => ({ title: `s${i}`, file: `steps/s${i}.sh`, parents: i ? [`s${i - 1}`] : [] }));
    for (const s of steps) box.file(s.file, 'echo ok\n');
    writePipeline(box, 'shim.orchest', pipeline('shim', steps));
    const res = await box.run(['run', 'shim.orchest', '--json'], { env: { PATH: `${bin}:${process.env.PATH}` } });
    assert.equal(res.code, 0, res.stderr);
    const report = parseJson(res.stdout);
    assert.equal(report.run.status, 'SUCCESS');
    const count = existsSync(starts) ? readFileSync(starts, 'utf8').trim().split('\n').length : 0;
    // The launcher (once) and asking the shim for its interpreter (once); the steps' mount helper runs that interpreter directly.
    assert.ok(count <= 2, `the shim started ${count} times for 6 steps`);
  });
});
