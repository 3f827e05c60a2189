import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { validatePipeline } from './pipeline-validation.ts';
import { SERVICE_TEMPLATES } from './service-templates.ts';

describe('built-in service templates', () => {
  it('are all valid service definitions, together in one pipeline', () => {
    const services = Object.fromEntries(SERVICE_TEMPLATES.map((t, order) => [t.name, { ...t.definition, order }]));
    const result = validatePipeline({ name: 'p', uuid: 'p-1', version: '1.2.3', settings: {}, steps: {}, services });
    assert.deepEqual(result.problems, []);
    assert.deepEqual(SERVICE_TEMPLATES.map((t) => t.name), ['tensorboard', 'streamlit', 'vscode', 'jupyterlab', 'redis', 'postgres', 'mlflow']);
    assert.deepEqual(result.pipeline!.services!.postgres!.berth_volumes, { 'postgres-data': '/var/lib/postgresql/data' });
  });
});
