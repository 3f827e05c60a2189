import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { Sandbox } from '../helpers/berth-cli.ts';

describe('several berth processes opening a new store at once', () => {
  const boxes: Sandbox[] = [];
  after(() => boxes.forEach((b) => b.cleanup()));

  it('all succeed: one migrates, the others wait or retry (no "duplicate column" from a migration applied twice)', async () => {
    for (let round = 0; round < 3; round++) {
      const box = new Sandbox();
      boxes.push(box);
      const results = await Promise.all(Array.from({ length: 4 }, () => box.run(['runs', '--json'])));
      for (const res of results) assert.equal(res.code, 0, res.stderr);
    }
  });
});
