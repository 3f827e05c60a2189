import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { parseJson, pipeline, Sandbox, writePipeline } from '../helpers/berth-cli.ts';
import { table } from '../../src/cli/format.ts';

describe('berth runs show', () => {
  const box = new Sandbox();
  after(() => box.cleanup());

  it('shows every step title whole, and a STEP id each can be named by in berth logs', async () => {
    box.file('steps/a.sh', 'echo a\n');
    const titles = ['Load the customer data from the warehouse', 'Train a gradient-boosted model on it'];
    writePipeline(box, 'long.orchest', pipeline('long', [
      { title: titles[0]!, file: 'steps/a.sh' },
      { title: titles[1]!, file: 'steps/a.sh', parents: [titles[0]!] },
    ]));
    const run = parseJson((await box.run(['run', 'long.orchest', '--json'])).stdout).run;
    const shown = await box.run(['runs', 'show', run.uuid]);
    assert.equal(shown.code, 0, shown.stderr);
    const rows = shown.stdout.split('\n').filter((l) => /SUCCESS/.test(l) && !l.startsWith('Run '));
    assert.equal(rows.length, 2, shown.stdout);
    const ids = rows.map((r, i) => {
      assert.ok(r.includes(titles[i]!), `whole title in: ${r}`);
      return r.split(/\s+/)[0]!;
    });
    assert.notEqual(ids[0], ids[1], 'the two steps share their first 8 characters; their ids must still differ');
    for (const id of ids) assert.equal((await box.run(['logs', run.uuid, id])).stdout, 'a\n', `berth logs RUN ${id}`);
  });

  it('aligns columns holding coloured text by what is visible', () => {
    const out = table(['A', 'B'], [['\u001b[32mSUCCESS\u001b[39m', 'x'], ['FAILURE', 'y']]).split('\n');
    assert.deepEqual(out.map((l) => l.replace(/\u001b\[\d+m/g, '')), ['A        B', 'SUCCESS  x', 'FAILURE  y']);
  });
});
