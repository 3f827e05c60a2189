import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkStepFilePath } from './step-file-path.ts';

test('relative paths inside the project are fine, from any pipeline folder', () => {
  assert.equal(checkStepFilePath('load.py', ''), null);
  assert.equal(checkStepFilePath('../shared/load.py', 'pipelines'), null);
  assert.equal(checkStepFilePath('./a/../b.ipynb', 'x/y'), null);
});

test('escaping the project after resolving ".." is refused', () => {
  assert.match(checkStepFilePath('../x.py', '')!.message, /outside the project/);
  assert.match(checkStepFilePath('../../x.py', 'pipelines')!.message, /outside the project/);
  assert.match(checkStepFilePath('a/../../../x.py', 'b')!.message, /outside the project/);
});

test('absolute, empty and folder paths are refused with a fix', () => {
  for (const path of ['/abs.py', '\\\\server\\x.py', 'D:/x.py']) assert.match(checkStepFilePath(path, '')!.message, /absolute/);
  assert.match(checkStepFilePath('  ', '')!.message, /empty/);
  assert.match(checkStepFilePath('dir/', '')!.message, /folder/);
  assert.ok(checkStepFilePath('', '')!.fix.length > 0);
});

test('extensions: supported ones case-insensitively, others refused', () => {
  for (const ok of ['run', 'a.sh', 'a.R', 'a.r', 'a.Py', 'n.ipynb', 'x.jl', 'm.mjs', 't.ts', 'j.js']) assert.equal(checkStepFilePath(ok, ''), null, ok);
  assert.match(checkStepFilePath('a.txt', '')!.message, /"\.txt" cannot be run/);
});
