import assert from 'node:assert/strict';
import { hostname } from 'node:os';
import { test } from 'node:test';
import { isBerthError } from '../errors.ts';
import { loadConfig } from './config.ts';
import { defaultAdvertiseUrl } from './server-identity.ts';

test('BERTH_HOST_ID names this machine (default the host name); BERTH_ADVERTISE_URL is an http(s) origin', () => {
  assert.equal(loadConfig({}).hostId, hostname());
  assert.equal(loadConfig({ BERTH_HOST_ID: 'node-a.internal' }).hostId, 'node-a.internal');
  assert.equal(loadConfig({}).advertiseUrl, undefined);
  assert.equal(loadConfig({ BERTH_ADVERTISE_URL: 'http://berth-1.internal:7420/' }).advertiseUrl, 'http://berth-1.internal:7420');
  assert.equal(loadConfig({ BERTH_ADVERTISE_URL: 'https://10.0.0.5' }).advertiseUrl, 'https://10.0.0.5');
});

test('bad values are BERTH_E_CONFIG naming the variable', () => {
  for (const bad of ['a:b', 'has space', '-x', 'x'.repeat(300)]) {
    assert.throws(() => loadConfig({ BERTH_HOST_ID: bad }), (e: unknown) => isBerthError(e) && e.code === 'BERTH_E_CONFIG' && e.problems[0]?.path === 'BERTH_HOST_ID', bad);
  }
  for (const bad of ['berth-1:7420', 'ftp://x', 'http://u:p@x', 'http://x/berth', 'http://x?a=1', 'not a url']) {
    assert.throws(() => loadConfig({ BERTH_ADVERTISE_URL: bad }), (e: unknown) => isBerthError(e) && e.code === 'BERTH_E_CONFIG' && e.problems[0]?.path === 'BERTH_ADVERTISE_URL', bad);
  }
});

test('the default address for other servers: the listen address, a wildcard replaced by the host name', () => {
  assert.equal(defaultAdvertiseUrl('http://127.0.0.1:7420'), 'http://127.0.0.1:7420');
  assert.equal(defaultAdvertiseUrl('http://0.0.0.0:7420'), `http://${hostname()}:7420`);
  assert.equal(defaultAdvertiseUrl('http://[::]:7420'), `http://${hostname()}:7420`);
});
