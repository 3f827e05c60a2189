import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { expandGrid, gridOfValues, gridSize } from './parameter-grid.ts';

describe('parameter grid', () => {
  it('is the Cartesian product over pipeline and step parameters, last key fastest', () => {
    const grid = { pipeline_parameters: { lr: [0.1, 0.01] }, 'step-1': { epochs: [1, 2, 3] } };
    const sets = expandGrid(grid);
    assert.equal(sets.length, 6);
    assert.equal(gridSize(grid), 6);
    assert.deepEqual(sets[0], { pipeline_parameters: { lr: 0.1 }, 'step-1': { epochs: 1 } });
    assert.deepEqual(sets[5], { pipeline_parameters: { lr: 0.01 }, 'step-1': { epochs: 3 } });
    assert.equal(new Set(sets.map((s) => JSON.stringify(s))).size, 6);
  });

  it('an empty grid is one run without parameters; structured values are copied, not shared', () => {
    assert.deepEqual(expandGrid({}), [{}]);
    const value = { nested: [1] };
    const [a, b] = expandGrid({ pipeline_parameters: { cfg: [value] }, s: { k: [1, 2] } });
    assert.notEqual(a!.pipeline_parameters!.cfg, b!.pipeline_parameters!.cfg);
    assert.deepEqual(a!.pipeline_parameters!.cfg, value);
  });

  it('fixed values become one-value lists; owners without parameters are left out', () => {
    assert.deepEqual(gridOfValues({ pipeline_parameters: { a: 1, b: null }, s: {} }), { pipeline_parameters: { a: [1], b: [null] } });
  });
});
