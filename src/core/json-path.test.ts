import assert from 'node:assert/strict';
import { test } from 'node:test';
import { jsonPath, ROOT_PATH } from './json-path.ts';

test('jsonPath joins plain keys with dots and indexes with brackets', () => {
  assert.equal(jsonPath('steps', '6b1c5931-8bf7-4587', 'file_path'), 'steps.6b1c5931-8bf7-4587.file_path');
  assert.equal(jsonPath('services', 'redis', 'ports', 0), 'services.redis.ports[0]');
});

test('jsonPath quotes keys that are not plain words', () => {
  assert.equal(jsonPath('services', 'db', 'binds', '/data'), 'services.db.binds["/data"]');
  assert.equal(jsonPath('steps', 'a.b'), 'steps["a.b"]');
});

test('jsonPath of nothing is the root', () => {
  assert.equal(jsonPath(), ROOT_PATH);
});
