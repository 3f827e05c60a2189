import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { splitShellWords } from './shell-words.ts';

describe('splitShellWords', () => {
  it('splits like a shell: quotes, escapes, literal $VARS and globs', () => {
    assert.deepEqual(splitShellWords(`-c 'umask 002 && tensorboard --logdir /data' "a b" c\\ d $HOME *.py`), {
      ok: true,
      words: ['-c', 'umask 002 && tensorboard --logdir /data', 'a b', 'c d', '$HOME', '*.py'],
    });
  });

  it('refuses unclosed quotes', () => {
    assert.deepEqual(splitShellWords(`-c 'a`), { ok: false, reason: 'a single quote is not closed' });
    assert.deepEqual(splitShellWords(`"it's" \\" "x`), { ok: false, reason: 'a double quote is not closed' });
  });

  it('refuses shell operators outside quotes', () => {
    const r = splitShellWords('run && rm -rf x');
    assert.equal(r.ok, false);
    assert.match((r as { reason: string }).reason, /&&/);
  });
});
