import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { shellScriptPrograms, splitShellWords } from './shell-words.ts';

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

describe('shellScriptPrograms', () => {
  it('lists the programs of a sh/bash -c script: each simple command, past assignments and exec, without builtins', () => {
    assert.deepEqual(shellScriptPrograms('bash', ['-c', 'umask 002 && touch /x/streamlit.py && streamlit run src/streamlit.py']), ['touch', 'streamlit']);
    assert.deepEqual(shellScriptPrograms('/bin/sh', ['-c', 'cd /app; FOO=1 exec gunicorn app:app | tee log || echo failed']), ['gunicorn', 'tee']);
    assert.deepEqual(shellScriptPrograms('python3', ['-c', 'print(1)']), []);
    assert.deepEqual(shellScriptPrograms('bash', ['script.sh']), []);
  });
});
