import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Value } from 'typebox/value';
import { JobInputSchema } from '../jobs/job-schema.ts';
import { WebhookInputSchema } from './webhook-schema.ts';

describe('input schemas (the one definition of each input)', () => {
  it('accept what the README documents and refuse unknown fields and event types', () => {
    const hook = { name: 'ci', url: 'https://ci.example.org/hook', subscriptions: [{ event_type: 'project:cron-job:run:pipeline-run:failed' }] };
    assert.equal(Value.Check(WebhookInputSchema, hook), true);
    assert.equal(Value.Check(WebhookInputSchema, { ...hook, subscriptions: [{ event_type: 'project:nope' }] }), false);
    assert.equal(Value.Check(WebhookInputSchema, { ...hook, colour: 'red' }), false);
    const job = { name: 'nightly', pipeline_path: 'p.orchest', cron: '0 3 * * *', parameters: { pipeline_parameters: { lr: [0.1, 0.01] } }, exclude: [1] };
    assert.equal(Value.Check(JobInputSchema, job), true);
    assert.equal(Value.Check(JobInputSchema, { ...job, parameters: { pipeline_parameters: { lr: [] } } }), false, 'a parameter needs at least one candidate value');
    assert.equal(Value.Check(JobInputSchema, { ...job, max_retained_pipeline_runs: -2 }), false);
  });
});
