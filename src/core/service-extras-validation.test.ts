import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { validatePipeline } from './pipeline-validation.ts';

const withService = (extra: Record<string, unknown>) => ({
  name: 'p', uuid: 'p-1', version: '1.2.3', settings: {}, steps: {},
  services: { db: { name: 'db', image: 'postgres', ports: [5432], scope: ['interactive'], ...extra } },
});
const paths = (extra: Record<string, unknown>) => validatePipeline(withService(extra)).problems.map((p) => `${p.path}: ${p.message}`);

describe('service fields beyond Orchest\'s validator', () => {
  test('args must split like a shell', () => {
    assert.deepEqual(paths({ command: 'bash', args: `-c 'umask 002 && x'` }), []);
    assert.match(paths({ args: `-c 'unbalanced` }).join(), /services\.db\.args: cannot be split/);
    assert.match(paths({ args: 'a | b' }).join(), /services\.db\.args: .*"\|" is a shell operator/);
  });

  test('environment@<uuid> images, named volumes and restart policies', () => {
    assert.deepEqual(paths({ image: 'environment@0b9a-11ee', berth_volumes: { pgdata: '/var/lib/postgresql/data' }, berth_restart: 'always' }), []);
    assert.match(paths({ image: 'environment@' }).join(), /services\.db\.image: .*does not name an environment/);
    assert.match(paths({ berth_volumes: { '../x': 'rel' } }).join(), /berth_volumes\["\.\.\/x"\]: .*not a volume name.*berth_volumes\["\.\.\/x"\]: "rel" is not an absolute path/);
    assert.match(paths({ berth_restart: 'sometimes' }).join(), /services\.db\.berth_restart: "sometimes" is not a restart policy/);
  });
});
