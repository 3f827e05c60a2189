import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { stepOutputsDir } from './step-outputs.ts';

describe('stepOutputsDir', () => {
  const run = { project_uuid: 'proj', pipeline_uuid: 'pipe', run_dir: '/home/runs/r1' };
  it('shares one folder per pipeline between interactive runs', () => {
    assert.equal(stepOutputsDir('/home', { ...run, kind: 'interactive' }), '/home/outputs/proj/pipe');
  });
  it('gives any other run (a job run) its own folder', () => {
    assert.equal(stepOutputsDir('/home', { ...run, kind: 'job' }), '/home/runs/r1/outputs');
  });
});
