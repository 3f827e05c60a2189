import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { stepKernelLanguage } from './step-kernel-language.ts';

test('a notebook step’s language: its environment’s, an orchest-kernel-<uuid>’s environment’s, else its kernel name; no path escapes', () => {
  const root = mkdtempSync(join(tmpdir(), 'berth-kernel-lang-'));
  try {
    const project = join(root, 'project');
    mkdirSync(join(project, '.orchest', 'environments', 'r-env'), { recursive: true });
    writeFileSync(join(project, '.orchest', 'environments', 'r-env', 'properties.json'), JSON.stringify({ language: 'R' }));
    // A properties.json outside the project that a crafted environment name would reach.
    mkdirSync(join(root, 'evil'), { recursive: true });
    writeFileSync(join(root, 'evil', 'properties.json'), JSON.stringify({ language: 'julia' }));
    const kernel = (name: string) => ({ name, display_name: name });
    assert.equal(stepKernelLanguage({ environment: 'r-env', kernel: kernel('python') }, project), 'r', 'the environment wins over a defaulted kernel');
    assert.equal(stepKernelLanguage({ environment: '', kernel: kernel('orchest-kernel-r-env') }, project), 'r');
    assert.equal(stepKernelLanguage({ environment: '', kernel: kernel('orchest-kernel-unknown') }, project), 'python');
    assert.equal(stepKernelLanguage({ environment: 'missing', kernel: kernel('julia') }, project), 'julia');
    assert.equal(stepKernelLanguage({ environment: '../../../evil', kernel: kernel('python') }, join(project)), 'python');
    assert.equal(stepKernelLanguage({ environment: '../../evil', kernel: kernel('python') }, project), 'python');
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
