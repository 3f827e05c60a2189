import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Problem } from '../errors.ts';
import { validatePipeline } from './pipeline-validation.ts';

const service = (name: string, extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  name, image: 'redis', ports: [6379], exposed: false, scope: ['interactive', 'noninteractive'], order: 0, ...extra,
});
const withServices = (services: Record<string, unknown>) => ({ name: 'p', uuid: 'p-1', version: '1.2.3', settings: {}, steps: {}, services });
const problems = (services: Record<string, unknown>) => validatePipeline(withServices(services)).problems;

function problemAt(list: Problem[], path: string, message: RegExp): void {
  assert.ok(list.some((p) => p.path === path && message.test(p.message) && p.fix), `no problem at ${path} matching ${message}; got ${JSON.stringify(list, null, 1)}`);
}

describe('services', () => {
  test('a valid service passes and gets defaults', () => {
    const result = validatePipeline(withServices({ redis: { name: 'redis', image: 'redis', ports: [6379], scope: ['interactive'] } }));
    assert.deepEqual(result.problems, []);
    const redis = result.pipeline!.services!.redis!;
    assert.deepEqual([redis.exposed, redis.requires_authentication, redis.order], [false, true, 0]);
  });

  test('not an object', () => {
    problemAt(problems({ db: 5 }), 'services.db', /must be an object/);
  });

  test('the key must equal the name, and the name must suit Kubernetes', () => {
    problemAt(problems({ db: service('cache') }), 'services.db.name', /"cache" differs from the service's key "db"/);
    problemAt(problems({ My_DB: service('My_DB') }), 'services.My_DB.name', /not a valid service name/);
    problemAt(problems({ ['a'.repeat(27)]: service('a'.repeat(27)) }), `services.${'a'.repeat(27)}.name`, /not a valid service name/);
    problemAt(problems({ 'berth-jupyter': service('berth-jupyter') }), 'services.berth-jupyter.name', /reserved/);
    problemAt(problems({ db: { ...service('x'), name: undefined } }), 'services.db.name', /missing/);
  });

  test('image must be a non-empty string', () => {
    problemAt(problems({ db: service('db', { image: '' }) }), 'services.db.image', /empty/);
    problemAt(problems({ db: service('db', { image: undefined }) }), 'services.db.image', /missing/);
  });

  test('ports: a non-empty array of integers 1–65535 without repeats', () => {
    problemAt(problems({ db: service('db', { ports: [] }) }), 'services.db.ports', /empty/);
    problemAt(problems({ db: service('db', { ports: undefined }) }), 'services.db.ports', /missing/);
    problemAt(problems({ db: service('db', { ports: 80 }) }), 'services.db.ports', /must be an array/);
    const list = problems({ db: service('db', { ports: [80, 0, 70000, 1.5, '81', 80] }) });
    problemAt(list, 'services.db.ports[1]', /0 is not a port/);
    problemAt(list, 'services.db.ports[2]', /70000 is not a port/);
    problemAt(list, 'services.db.ports[3]', /1.5 is not a port/);
    problemAt(list, 'services.db.ports[4]', /"81" is not a port/);
    problemAt(list, 'services.db.ports[5]', /more than once/);
  });

  test('booleans and strings', () => {
    const list = problems({ db: service('db', { exposed: 'yes', requires_authentication: 1, preserve_base_path: null, command: ['bash'], args: 3 }) });
    problemAt(list, 'services.db.exposed', /true or false/);
    problemAt(list, 'services.db.requires_authentication', /true or false/);
    problemAt(list, 'services.db.preserve_base_path', /true or false/);
    problemAt(list, 'services.db.command', /must be a string/);
    problemAt(list, 'services.db.args', /must be a string/);
  });

  test('a leftover entrypoint in a 1.2.3 file is pointed out', () => {
    problemAt(problems({ db: service('db', { entrypoint: 'bash' }) }), 'services.db.entrypoint', /pre-1.1.0 name of "command"/);
  });

  test('scope: a non-empty subset of interactive and noninteractive', () => {
    problemAt(problems({ db: service('db', { scope: [] }) }), 'services.db.scope', /empty/);
    problemAt(problems({ db: service('db', { scope: undefined }) }), 'services.db.scope', /missing/);
    problemAt(problems({ db: service('db', { scope: 'interactive' }) }), 'services.db.scope', /must be an array/);
    problemAt(problems({ db: service('db', { scope: ['interactive', 'batch'] }) }), 'services.db.scope[1]', /"batch" is not a scope/);
    problemAt(problems({ db: service('db', { scope: ['interactive', 'interactive'] }) }), 'services.db.scope[1]', /more than once/);
  });

  test('binds: only /data and /project-dir, to absolute container paths', () => {
    const list = problems({ db: service('db', { binds: { '/data': 'data', '/etc': '/etc', '/project-dir': '/work' } }) });
    problemAt(list, 'services.db.binds["/data"]', /"data" is not an absolute path/);
    problemAt(list, 'services.db.binds["/etc"]', /only "\/data" and "\/project-dir"/);
    assert.equal(list.length, 2);
    problemAt(problems({ db: service('db', { binds: ['/data'] }) }), 'services.db.binds', /must be an object/);
  });

  test('environment variables: valid names, string values', () => {
    const list = problems({ db: service('db', { env_variables: { 'BAD NAME': 'x', PORT: 5432 }, env_variables_inherit: ['OK', 'NO WAY', 3] }) });
    problemAt(list, 'services.db.env_variables["BAD NAME"]', /not a valid variable name/);
    problemAt(list, 'services.db.env_variables.PORT', /must be a string, not a number/);
    problemAt(list, 'services.db.env_variables_inherit[1]', /"NO WAY" is not a valid variable name/);
    problemAt(list, 'services.db.env_variables_inherit[2]', /must be a variable name/);
    problemAt(problems({ db: service('db', { env_variables: ['A=1'] }) }), 'services.db.env_variables', /must be an object/);
  });

  test('order: whole numbers, unique; missing ones are filled after the others', () => {
    problemAt(problems({ a: service('a', { order: 1 }), b: service('b', { order: 1 }) }), 'services.b.order', /1 is also the order of service "a"/);
    problemAt(problems({ a: service('a', { order: 'first' }) }), 'services.a.order', /whole number/);
    const filled = validatePipeline(withServices({ z: service('z', { order: undefined }), a: service('a', { order: 3 }), m: service('m', { order: undefined }) }));
    const orders = Object.fromEntries(Object.entries(filled.pipeline!.services!).map(([k, s]) => [k, s.order]));
    assert.deepEqual(orders, { z: 5, a: 3, m: 4 });
  });
});
