import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { isBerthError } from '../errors.ts';
import { parsePipeline } from './pipeline-validation.ts';
import { planRun, resolveStepSelectors } from './run-planner.ts';

const step = (uuid: string, title: string, parents: string[] = []) => ({ uuid, title, file_path: `${uuid}.py`, incoming_connections: parents });
/** load → clean → train → report, clean → stats → report; side is independent. Listed out of order on purpose. */
const pipeline = parsePipeline({
  name: 'ml', uuid: 'p-1', settings: {}, version: '1.2.3',
  steps: Object.fromEntries(
    [
      step('report', 'Report', ['train', 'stats']),
      step('load', 'Load'),
      step('train', 'Train', ['clean']),
      step('clean', 'Clean', ['load']),
      step('stats', 'Stats', ['clean']),
      step('side', 'Side'),
      step('dup1', 'Same'),
      step('dup2', 'Same'),
    ].map((s) => [s.uuid, s]),
  ),
});

const code = (c: string, message?: RegExp) => (e: unknown) => isBerthError(e) && e.code === c && (!message || message.test(e.message));

describe('resolveStepSelectors', () => {
  test('accepts uuids and titles, in the given order, without repeats', () => {
    assert.deepEqual(resolveStepSelectors(pipeline, ['Train', 'load', 'train', 'Load']), ['train', 'load']);
  });

  test('an unknown selector is BERTH_E_UNKNOWN_STEP listing the known titles', () => {
    assert.throws(
      () => resolveStepSelectors(pipeline, ['Load', 'Nope']),
      (e: unknown) =>
        code('BERTH_E_UNKNOWN_STEP', /"Nope"/)(e) &&
        isBerthError(e) && e.problems.length === 1 && e.problems[0]!.path === 'steps[1]' && /"Report".*"Load"/.test(e.problems[0]!.fix ?? ''),
    );
  });

  test('a title shared by several steps asks for the uuid', () => {
    assert.throws(
      () => resolveStepSelectors(pipeline, ['Same']),
      (e: unknown) => code('BERTH_E_INVALID_ARGUMENT', /uuid/)(e) && isBerthError(e) && /dup1, dup2/.test(e.problems[0]!.message),
    );
    assert.deepEqual(resolveStepSelectors(pipeline, ['dup2']), ['dup2']);
  });
});

describe('planRun', () => {
  test('full: every step after its parents, in a stable order', () => {
    const plan = planRun(pipeline, 'full', []);
    assert.equal(plan.runType, 'full');
    assert.deepEqual(plan.steps, ['load', 'clean', 'train', 'stats', 'report', 'side', 'dup1', 'dup2']);
    assert.deepEqual(plan.parents.report, ['train', 'stats']);
    assert.deepEqual(plan.parents.load, []);
  });

  test('selection: the induced subgraph, edges to unselected parents dropped', () => {
    const plan = planRun(pipeline, 'selection', ['report', 'train', 'side']);
    assert.deepEqual(plan.steps, ['train', 'report', 'side']);
    assert.deepEqual(plan.parents, { train: [], report: ['train'], side: [] });
  });

  test('incoming: the ancestors of the selection, without the selection itself', () => {
    const plan = planRun(pipeline, 'incoming', ['report']);
    assert.deepEqual(plan.steps, ['load', 'clean', 'train', 'stats']);
    assert.deepEqual(plan.parents, { load: [], clean: ['load'], train: ['clean'], stats: ['clean'] });
    assert.deepEqual(planRun(pipeline, 'incoming', ['report', 'train']).steps, ['load', 'clean', 'stats']);
  });

  test('incoming of a root step is an empty plan', () => {
    assert.deepEqual(planRun(pipeline, 'incoming', ['load']), { runType: 'incoming', steps: [], parents: {} });
  });

  test('selection and incoming need at least one step; unknown uuids are refused', () => {
    assert.throws(() => planRun(pipeline, 'selection', []), code('BERTH_E_INVALID_ARGUMENT'));
    assert.throws(() => planRun(pipeline, 'incoming', []), code('BERTH_E_INVALID_ARGUMENT'));
    assert.throws(() => planRun(pipeline, 'selection', ['load', 'Load']), code('BERTH_E_UNKNOWN_STEP', /"Load"/));
  });
});
