import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isBerthError } from '../errors.ts';
import { checkInstanceName, matchesInstance } from './instance-name.ts';

describe('instance names', () => {
  it('accepts Apptainer names and rejects others naming NAME', () => {
    for (const ok of ['web', 'a.b_c-1', 'X']) assert.equal(checkInstanceName(ok), ok);
    for (const bad of ['', 'a b', 'a/b', 'é', '../x', 'a*']) {
      assert.throws(() => checkInstanceName(bad), (e: unknown) => isBerthError(e) && e.code === 'BERTH_E_INVALID_ARGUMENT' && e.problems[0]?.path === 'NAME');
    }
  });
  it('matches globs with * ? [...] and exact names without wildcards', () => {
    assert.equal(matchesInstance('mrbigglesworth', 'mrbig'), false);
    assert.equal(matchesInstance('mrbig', 'mrbig'), true);
    assert.equal(matchesInstance('mrbigglesworth', 'mrbig*'), true);
    assert.equal(matchesInstance('echo7', 'echo?'), true);
    assert.equal(matchesInstance('echo17', 'echo?'), false);
    assert.equal(matchesInstance('echo3', 'echo[0-4]'), true);
    assert.equal(matchesInstance('echo5', 'echo[0-4]'), false);
    assert.equal(matchesInstance('anything.at_all', '*'), true);
  });
});
