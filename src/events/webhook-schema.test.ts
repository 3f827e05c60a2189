import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { jobInputSchema } from '../jobs/job-schema.ts';
import type { JobInput } from '../jobs/job-input.ts';
import type { WebhookInput } from './webhook-service.ts';
import { webhookInputSchema } from './webhook-schema.ts';

describe('API schemas', () => {
  it('name exactly the fields of the service inputs', () => {
    const webhookKeys: Record<keyof WebhookInput, true> = { name: true, url: true, secret: true, content_type: true, format: true, verify_ssl: true, subscriptions: true };
    assert.deepEqual(Object.keys(webhookInputSchema.properties).sort(), Object.keys(webhookKeys).sort());
    const jobKeys: Record<keyof JobInput, true> = {
      name: true, pipeline_path: true, cron: true, timezone: true, scheduled_start: true, parameters: true, exclude: true, env_variables: true, max_retained_pipeline_runs: true, draft: true,
    };
    assert.deepEqual(Object.keys(jobInputSchema.properties).sort(), Object.keys(jobKeys).sort());
    assert.ok(webhookInputSchema.properties.subscriptions.items.properties.event_type.enum.includes('project:cron-job:run:pipeline-run:failed'));
  });
});
