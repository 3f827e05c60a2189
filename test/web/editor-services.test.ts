import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SERVICE_TEMPLATES } from '../../src/core/service-templates.ts';
import { validatePipeline } from '../../src/core/pipeline-validation.ts';
import { parseEnvLines } from '../../web/src/jobs/env-lines.ts';
import { addService, isOnServiceField, removeService, updateService } from '../../web/src/editor/pipeline-services.ts';
import type { Pipeline } from '../../web/src/editor/pipeline-graph.ts';

const empty: Pipeline = { name: 'p', uuid: '11111111-2222-4333-8444-555555555555', version: '1.2.3', parameters: {}, settings: {}, steps: {} };
const template = (name: string) => SERVICE_TEMPLATES.find((t) => t.name === name)!.definition;

/** The editor's pure service edits give files the server's validator accepts. */
describe("the pipeline editor's service edits", () => {
  it('adds templates under free names after the others in order, and the result validates', () => {
    const one = addService(empty, template('redis'));
    const two = addService(one.pipeline, template('redis'));
    assert.equal(two.name, 'redis-2');
    assert.deepEqual(Object.values(two.pipeline.services!).map((s) => [s.name, s.order]), [['redis', 0], ['redis-2', 1]]);
    assert.deepEqual(validatePipeline(two.pipeline).problems, []);
    // The template itself is not changed by later edits.
    updateService(two.pipeline, 'redis', { ports: [1] });
    assert.deepEqual(template('redis').ports, [6379]);
  });

  it('renames in place (the key follows the name), refuses a taken name, removes fields set to undefined', () => {
    let p = addService(addService(empty, template('redis')).pipeline, template('postgres')).pipeline;
    p = updateService(p, 'redis', { name: 'cache', args: undefined });
    assert.deepEqual(Object.keys(p.services!), ['cache', 'postgres']);
    p = updateService(p, 'cache', { name: 'postgres' });
    assert.deepEqual(Object.keys(p.services!), ['cache', 'postgres']);
    assert.match(validatePipeline(p).problems.map((x) => `${x.path}: ${x.message}`).join('\n'), /services\.cache\.name: "postgres" differs from the service's key "cache"/);
    assert.deepEqual(Object.keys(removeService(p, 'cache').services!), ['postgres']);
  });

  it('tells which problems the form shows on a field', () => {
    assert.equal(isOnServiceField('services.redis.image'), true);
    assert.equal(isOnServiceField('services.redis.ports[1]'), true);
    assert.equal(isOnServiceField('services.db.binds["/data"]'), false);
    assert.equal(isOnServiceField('services.redis.order'), false);
  });
});

describe("the job form's environment lines", () => {
  it('reads NAME=value lines, skipping blanks and comments, and names the first bad line', () => {
    assert.deepEqual(parseEnvLines('A=1\n\n# note\nB = two=2\n'), { env: { A: '1', B: ' two=2' } });
    assert.deepEqual(parseEnvLines('A=1\noops'), { error: 'Environment variables, line 2: write NAME=value, e.g. DATA_DIR=/data' });
  });
});
