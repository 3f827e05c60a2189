import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { loadConfig } from '../../config/config.ts';
import { pyenvShimTarget } from './pyenv-shim.ts';

/** A shim as `pyenv rehash` writes it (pyenv 2.x). */
const shimText = (root: string): string =>
  `#!/usr/bin/env bash\nset -e\n[ -n "$PYENV_DEBUG" ] && set -x\n\nprogram="\${0##*/}"\n\nexport PYENV_ROOT="${root}"\nSHIM_PATH=\${0%/*}\nif [[ $SHIM_PATH != "${root}/shims" ]]; then\n  export _PYENV_SHIM_PATH="$SHIM_PATH"\nfi\nexec "${root}/libexec/pyenv" exec "$program" "$@"\n`;

describe('pyenvShimTarget', () => {
  const dir = mkdtempSync(join(tmpdir(), 'berth-pyenv-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const root = join(dir, 'pyenv');
  const shim = join(root, 'shims', 'python3');
  mkdirSync(join(root, 'shims'), { recursive: true });
  writeFileSync(shim, shimText(root));
  chmodSync(shim, 0o755);
  for (const v of ['3.11.7', '3.12.1']) {
    mkdirSync(join(root, 'versions', v, 'bin'), { recursive: true });
    writeFileSync(join(root, 'versions', v, 'bin', 'python3'), '');
  }
  writeFileSync(join(root, 'version'), '3.11.7\n');
  const project = join(dir, 'work', 'project', 'sub');
  mkdirSync(project, { recursive: true });

  it('follows pyenv: PYENV_VERSION, else the nearest .python-version, else the global version file', () => {
    assert.equal(pyenvShimTarget(shim, {}, project), join(root, 'versions', '3.11.7', 'bin', 'python3'));
    writeFileSync(join(dir, 'work', '.python-version'), '# pinned\n3.12.1\n');
    assert.equal(pyenvShimTarget(shim, {}, project), join(root, 'versions', '3.12.1', 'bin', 'python3'));
    assert.equal(pyenvShimTarget(shim, { PYENV_VERSION: '3.11.7' }, project), join(root, 'versions', '3.11.7', 'bin', 'python3'));
    rmSync(join(dir, 'work', '.python-version'));
  });

  it('gives up (null: ask the shim) on anything but the plain case', () => {
    assert.equal(pyenvShimTarget(shim, { PYENV_VERSION: '3.11.7:3.12.1' }, project), null, 'several versions');
    assert.equal(pyenvShimTarget(shim, { PYENV_VERSION: 'system' }, project), null);
    assert.equal(pyenvShimTarget(shim, { PYENV_VERSION: '../../etc' }, project), null);
    writeFileSync(join(project, '.python-version'), '3.11.7\n3.12.1\n');
    assert.equal(pyenvShimTarget(shim, {}, project), null, 'two versions in one file');
    rmSync(join(project, '.python-version'));
    const plain = join(dir, 'plain-python3');
    writeFileSync(plain, '#!/bin/sh\nexec /usr/bin/python3 "$@"\n');
    assert.equal(pyenvShimTarget(plain, {}, project), null, 'not a pyenv shim');
    assert.equal(pyenvShimTarget(join(dir, 'missing'), {}, project), null);
  });

  // The machine's own pyenv, when it has one: the same answer as running the shim.
  const real = '/root/.pyenv/shims/python3';
  it('agrees with the real shim where this host has pyenv', { skip: !existsSync(real) && 'no pyenv here' }, () => {
    const asked = spawnSync(real, ['-I', '-S', '-c', 'import sys; sys.stdout.write(sys.executable)'], { encoding: 'utf8', cwd: tmpdir() });
    assert.equal(asked.status, 0, asked.stderr);
    assert.equal(pyenvShimTarget(real, loadConfig().baseEnv, tmpdir()), asked.stdout);
  });
});
