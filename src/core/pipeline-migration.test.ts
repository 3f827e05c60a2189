import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { migratePipeline, PIPELINE_VERSIONS } from './pipeline-migration.ts';

const base = () => ({ name: 'p', uuid: 'p1', settings: {}, steps: {} });

describe('migratePipeline', () => {
  test('lists the versions oldest first, ending at 1.2.3', () => {
    assert.deepEqual([...PIPELINE_VERSIONS], ['1.0.0', '1.1.0', '1.2.0', '1.2.1', '1.2.2', '1.2.3']);
  });

  test('a missing or empty version is 1.0.0 and ends at 1.2.3 with default parameters', () => {
    for (const version of [undefined, '', null]) {
      const raw: Record<string, unknown> = { ...base(), version };
      if (version === undefined) delete raw.version;
      const { pipeline, fromVersion } = migratePipeline(raw);
      assert.equal(fromVersion, '1.0.0');
      assert.equal(pipeline.version, '1.2.3');
      assert.deepEqual(pipeline.parameters, {});
    }
  });

  test('never changes its input', () => {
    const raw = { ...base(), version: '1.0.0', services: { r: { name: 'r', image: 'redis', entrypoint: 'x', command: 'y', scope: ['interactive'] } } };
    const before = structuredClone(raw);
    const { pipeline } = migratePipeline(raw);
    assert.deepEqual(raw, before);
    assert.notEqual(pipeline.services, raw.services);
  });

  test('1.0.0: env var names become valid, collisions get _2, _3…', () => {
    const raw = {
      ...base(),
      services: {
        s: {
          name: 's', image: 'x', ports: [1], scope: ['interactive'],
          env_variables: { 'A B': '1', A_B: '2', 'A.B': '3', OK: '4' },
          env_variables_inherit: ['X Y', 'X-Y', 'X_Y', 'X.Y'],
        },
      },
    };
    const s = (migratePipeline(raw).pipeline.services as any).s;
    assert.deepEqual(s.env_variables, { A_B: '1', A_B_2: '2', A_B_3: '3', OK: '4' });
    assert.deepEqual(s.env_variables_inherit, ['X_Y', 'X-Y', 'X_Y_2', 'X_Y_3']);
  });

  test('1.0.0: the R kernel "ir" becomes "r"', () => {
    const raw = { ...base(), steps: { a: { uuid: 'a', kernel: { name: 'ir', display_name: 'R' } }, b: { uuid: 'b', kernel: { name: 'python' } } } };
    const steps = migratePipeline(raw).pipeline.steps as any;
    assert.equal(steps.a.kernel.name, 'r');
    assert.equal(steps.b.kernel.name, 'python');
  });

  test('1.1.0: entrypoint/command become command/args; defaults for exposed and requires_authentication', () => {
    const raw = { ...base(), version: '1.1.0', services: { t: { name: 't', image: 'tensorflow/tensorflow', entrypoint: 'bash', command: "-c 'tb'", ports: [6006] } } };
    const t = (migratePipeline(raw).pipeline.services as any).t;
    assert.equal(t.command, 'bash');
    assert.equal(t.args, "-c 'tb'");
    assert.equal('entrypoint' in t, false);
    assert.equal(t.exposed, false);
    assert.equal(t.requires_authentication, true);
  });

  test('1.1.0: an entrypoint without a command keeps existing args; explicit booleans are kept', () => {
    const raw = { ...base(), version: '1.1.0', services: { t: { name: 't', image: 'x', entrypoint: 'sh', args: 'a', ports: [1], exposed: true, requires_authentication: false } } };
    const t = (migratePipeline(raw).pipeline.services as any).t;
    assert.deepEqual([t.command, t.args, t.exposed, t.requires_authentication], ['sh', 'a', true, false]);
  });

  test('1.1.0: a service without ports gets one chosen from its image', () => {
    const images: Record<string, number> = {
      redis: 6379, 'postgres:15': 5432, 'orchest/streamlit': 8501, mysql: 3306, 'rabbitmq:3-management': 5672,
      'tensorflow/tensorflow': 6006, voila: 8866, 'ghcr.io/mlflow/mlflow': 5000, 'rocker/shiny': 8000, nginx: 8080,
    };
    const services: Record<string, unknown> = {};
    Object.keys(images).forEach((image, i) => (services[`s${i}`] = { name: `s${i}`, image, ports: i % 2 ? [] : undefined }));
    const migrated = migratePipeline({ ...base(), services }).pipeline.services as any;
    Object.values(images).forEach((port, i) => assert.deepEqual(migrated[`s${i}`].ports, [port], `image ${Object.keys(images)[i]}`));
  });

  test('1.2.0: orders are filled uniquely: existing kept, duplicates bumped, the rest by name', () => {
    const services = {
      zeta: { name: 'zeta', image: 'x', ports: [1] },
      alpha: { name: 'alpha', image: 'x', ports: [1] },
      b: { name: 'b', image: 'x', ports: [1], order: 1 },
      c: { name: 'c', image: 'x', ports: [1], order: 1 },
      d: { name: 'd', image: 'x', ports: [1], order: 5 },
    };
    const m = migratePipeline({ ...base(), version: '1.2.0', services }).pipeline.services as any;
    assert.deepEqual(
      Object.fromEntries(Object.entries(m).map(([k, v]: [string, any]) => [k, v.order])),
      { zeta: 7, alpha: 6, b: 1, c: 2, d: 5 },
    );
  });

  test('1.2.1 and later leave services and settings alone (max_steps_parallelism stays absent)', () => {
    const raw = { ...base(), version: '1.2.1', services: { a: { name: 'a', image: 'x', entrypoint: 'e' } } };
    const { pipeline, fromVersion } = migratePipeline(raw);
    assert.equal(fromVersion, '1.2.1');
    assert.equal(pipeline.version, '1.2.3');
    assert.deepEqual(pipeline.services, raw.services);
    assert.deepEqual(pipeline.settings, {});
  });

  test('an unknown or newer version is left for validation', () => {
    for (const version of ['1.3.0', '2.0', 'latest', 3]) {
      const { pipeline, fromVersion } = migratePipeline({ ...base(), version });
      assert.equal(pipeline.version, version);
      assert.equal(fromVersion, typeof version === 'string' ? version : '3');
    }
  });

  test("Berth's own fields survive at every level", () => {
    const raw = {
      ...base(), berth: { retries: 2 },
      steps: { a: { uuid: 'a', berth_timeout: 5 } },
      services: { s: { name: 's', image: 'redis', berth_health: '/h' } },
    };
    const p = migratePipeline(raw).pipeline as any;
    assert.deepEqual(p.berth, { retries: 2 });
    assert.equal(p.steps.a.berth_timeout, 5);
    assert.equal(p.services.s.berth_health, '/h');
  });

  test('malformed parts are skipped, not fixed or thrown on', () => {
    const raw = { version: '1.0.0', steps: [1], services: { s: 'nope', t: { env_variables: 'x', env_variables_inherit: [1] } } };
    const p = migratePipeline(raw).pipeline as any;
    assert.deepEqual(p.steps, [1]);
    assert.equal(p.services.s, 'nope');
    assert.equal(p.services.t.env_variables, 'x');
    assert.deepEqual(p.services.t.env_variables_inherit, [1]);
  });
});
